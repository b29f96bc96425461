/*! usher embedded SDK, served by your usher appliance at /sdk/embedded.js. No dependencies.
 *
 *   <script src="https://usher.example.com/sdk/embedded.js"></script>
 *   Usher.setToken(jwtFromYourServer);          // GET /users/{id}/token, fetched by your server
 *   Usher.install({ integrationId: '...', callback: function (result) { ... } });
 *
 * window.Alloy is the same object, so pages written for the hosted SDK keep working.
 * The JWT never goes into a URL: the modal's page receives it by postMessage, addressed
 * to the appliance's origin only, and results are accepted from that origin only.
 * Nothing here throws into the host page: every failure reaches the callback as
 * { success: false, error, message }.
 */
(function (window, document) {
  'use strict';
  if (window.Usher && window.Usher.isUsher) { window.Alloy = window.Usher; return; }

  var SCRIPT_PATH = /\/sdk\/embedded\.js(?:[?#].*)?$/;
  var script = document.currentScript || findScript();
  var base = script ? script.src.replace(SCRIPT_PATH, '') : '';
  var origin = originOf(base);
  var token = null;
  var modal = null; // the open modal, at most one
  var READY_GRACE_MS = 3000; // after the iframe loads, how long to wait for its "ready"
  var Z = '2147483000';

  function findScript() {
    var all = document.getElementsByTagName('script');
    for (var i = all.length - 1; i >= 0; i--) { if (SCRIPT_PATH.test(all[i].src)) { return all[i]; } }
    return null;
  }

  function originOf(url) {
    try { return new URL(url, document.baseURI).origin; } catch (e) { return null; }
  }

  function warn(what, error) {
    try { window.console && window.console.error('[usher] ' + what, error); } catch (e) { /* nothing */ }
  }

  // Calls the host's callback at most once, never letting its errors escape.
  function once(callback) {
    var done = false;
    return function (result) {
      if (done) { return; }
      done = true;
      if (typeof callback !== 'function') { return; }
      try { callback(result); } catch (e) { warn('the callback threw', e); }
    };
  }

  function failure(error, message) {
    return { success: false, error: error, message: message };
  }

  // Runs fn, turning anything it throws into a failed callback.
  function guarded(name, fn) {
    return function (options) {
      var reply = once(options && options.callback);
      try { fn(options || {}, reply); } catch (e) {
        warn(name + ' failed', e);
        reply(failure('sdk_error', String(e && e.message || e)));
      }
    };
  }

  function css(el, styles) {
    for (var k in styles) { if (Object.prototype.hasOwnProperty.call(styles, k)) { el.style[k] = styles[k]; } }
    return el;
  }

  function el(tag, attrs, styles) {
    var node = document.createElement(tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { node.setAttribute(k, attrs[k]); } }
    return css(node, styles || {});
  }

  // ---- the modal ----------------------------------------------------------------

  function sizeDialog() {
    if (!modal) { return; }
    var phone = window.innerWidth <= 600;
    css(modal.dialog, phone
      ? { width: '100%', height: '100%', maxWidth: '100%', maxHeight: '100%', borderRadius: '0' }
      : { width: '480px', height: '640px', maxWidth: 'calc(100vw - 32px)', maxHeight: 'calc(100vh - 32px)', borderRadius: '10px' });
  }

  function focusables() {
    return [modal.closeButton, modal.iframe];
  }

  function onKeyDown(event) {
    if (!modal) { return; }
    if (event.key === 'Escape' || event.key === 'Esc') {
      event.preventDefault();
      event.stopPropagation();
      close('cancelled');
    }
  }

  // Focus stays in the dialog: anything outside that gains focus sends it back.
  function onFocusIn(event) {
    if (!modal || modal.overlay.contains(event.target)) { return; }
    modal.closeButton.focus();
  }

  function sentinel(toFirst) {
    var s = el('span', { tabindex: '0', 'aria-hidden': 'true' }, { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden' });
    s.addEventListener('focus', function () {
      var items = focusables();
      (toFirst ? items[0] : items[items.length - 1]).focus();
    });
    return s;
  }

  function showNotice(text) {
    if (!modal) { return; }
    modal.notice.textContent = text;
    modal.notice.style.display = 'block';
    modal.iframe.style.display = 'none';
  }

  function open(path, title, options, reply) {
    if (modal) { close('replaced'); }
    var labelId = 'usher-dialog-title';
    var overlay = el('div', { 'data-usher': 'overlay' }, {
      position: 'fixed', top: '0', right: '0', bottom: '0', left: '0', zIndex: Z, background: 'rgba(15, 23, 42, 0.55)',
      display: 'flex', alignItems: 'center', justifyContent: 'center', margin: '0', padding: '0'
    });
    var dialog = el('div', { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': labelId, 'data-usher': 'dialog' }, {
      position: 'relative', display: 'flex', flexDirection: 'column', background: '#fff', color: '#111',
      boxShadow: '0 20px 50px rgba(0,0,0,0.35)', overflow: 'hidden', boxSizing: 'border-box',
      font: '15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
    });
    var header = el('div', {}, { display: 'flex', alignItems: 'center', justifyContent: 'space-between', padding: '10px 12px 10px 18px', borderBottom: '1px solid #e5e7eb' });
    var heading = el('h2', { id: labelId }, { margin: '0', fontSize: '16px', fontWeight: '600' });
    heading.textContent = title;
    var closeButton = el('button', { type: 'button', 'aria-label': 'Close', 'data-usher': 'close' }, {
      border: '0', background: 'transparent', fontSize: '24px', lineHeight: '1', cursor: 'pointer', padding: '4px 10px', color: '#374151'
    });
    closeButton.textContent = '\u00d7';
    var notice = el('p', { role: 'alert' }, { display: 'none', margin: '0', padding: '24px 18px' });
    var iframe = el('iframe', { src: path, title: title, 'data-usher': 'frame' }, { flex: '1 1 auto', width: '100%', border: '0', display: 'block' });
    header.appendChild(heading);
    header.appendChild(closeButton);
    dialog.appendChild(sentinel(false));
    dialog.appendChild(header);
    dialog.appendChild(notice);
    dialog.appendChild(iframe);
    dialog.appendChild(sentinel(true));
    overlay.appendChild(dialog);

    modal = {
      overlay: overlay, dialog: dialog, iframe: iframe, closeButton: closeButton, notice: notice,
      options: options, reply: reply, ready: false, reported: false, timer: null,
      restoreFocus: document.activeElement, restoreOverflow: document.documentElement.style.overflow
    };
    closeButton.addEventListener('click', function () { close('cancelled'); });
    overlay.addEventListener('mousedown', function (event) {
      if (event.target === overlay) { close('cancelled'); }
    });
    iframe.addEventListener('load', function () {
      var current = modal;
      if (!current || current.iframe !== iframe || current.ready) { return; }
      // A page the appliance refuses to let this origin frame never says "ready".
      current.timer = window.setTimeout(function () {
        if (modal !== current || current.ready) { return; }
        showNotice('The connection page could not be opened here. The site may not be allowed to embed it.');
        report(failure('frame_blocked', 'the install page did not load; is this origin in sdk.allowed_origins?'));
      }, READY_GRACE_MS);
    });
    document.addEventListener('keydown', onKeyDown, true);
    document.addEventListener('focusin', onFocusIn, true);
    window.addEventListener('resize', sizeDialog);
    document.documentElement.style.overflow = 'hidden';
    (document.body || document.documentElement).appendChild(overlay);
    sizeDialog();
    closeButton.focus();
  }

  // Reports the result once per modal; a success also closes it.
  function report(result) {
    if (!modal || modal.reported) { return; }
    modal.reported = true;
    var reply = modal.reply;
    if (result.success) { close(null); }
    reply(result);
  }

  function close(reason) {
    if (!modal) { return; }
    var current = modal;
    modal = null;
    window.clearTimeout(current.timer);
    document.removeEventListener('keydown', onKeyDown, true);
    document.removeEventListener('focusin', onFocusIn, true);
    window.removeEventListener('resize', sizeDialog);
    document.documentElement.style.overflow = current.restoreOverflow;
    if (current.overlay.parentNode) { current.overlay.parentNode.removeChild(current.overlay); }
    try { if (current.restoreFocus && current.restoreFocus.focus) { current.restoreFocus.focus(); } } catch (e) { /* gone */ }
    if (reason && !current.reported) {
      current.reported = true;
      current.reply(failure(reason, reason === 'cancelled' ? 'the user closed the window' : 'another window was opened'));
    }
  }

  // Messages from the modal's page: only from the appliance's origin and that very frame.
  window.addEventListener('message', function (event) {
    try {
      if (!modal || event.origin !== origin || event.source !== modal.iframe.contentWindow) { return; }
      var data = event.data;
      if (!data || data.usher !== 1 || typeof data.type !== 'string') { return; }
      if (data.type === 'ready') {
        modal.ready = true;
        window.clearTimeout(modal.timer);
        modal.iframe.contentWindow.postMessage({ usher: 1, type: 'init', token: token, options: modal.options }, origin);
      } else if (data.type === 'result' && data.result && typeof data.result === 'object') {
        report(sanitize(data.result));
      } else if (data.type === 'close') {
        close('cancelled');
      }
    } catch (e) { warn('message handling failed', e); }
  });

  function sanitize(r) {
    if (r.success === true) {
      var out = { success: true };
      if (typeof r.installationId === 'string') { out.installationId = r.installationId; }
      if (Array.isArray(r.workflowIds)) { out.workflowIds = r.workflowIds.filter(function (w) { return typeof w === 'string'; }); }
      if (typeof r.credentialId === 'string') { out.credentialId = r.credentialId; }
      if (r.alreadyInstalled === true) { out.alreadyInstalled = true; }
      return out;
    }
    return failure(typeof r.error === 'string' ? r.error : 'failed', typeof r.message === 'string' ? r.message : undefined);
  }

  function preflight(reply) {
    if (!origin) { reply(failure('sdk_error', 'could not tell the appliance address from the script URL')); return false; }
    if (typeof token !== 'string' || !token) { reply(failure('no_token', 'call Usher.setToken(jwt) first')); return false; }
    return true;
  }

  function stringList(value) {
    return Array.isArray(value) ? value.filter(function (v) { return typeof v === 'string'; }) : undefined;
  }

  // ---- the public object ---------------------------------------------------------

  var Usher = {
    isUsher: true,
    version: '1',

    setToken: function (jwt) {
      token = typeof jwt === 'string' && jwt ? jwt : null;
    },

    install: guarded('install', function (options, reply) {
      if (!preflight(reply)) { return; }
      var id = options.integrationId;
      if (typeof id !== 'string' || !id) { reply(failure('invalid_options', 'integrationId is required')); return; }
      var title = typeof options.title === 'string' && options.title ? options.title : 'Connect';
      open(base + '/embed/install?integrationId=' + encodeURIComponent(id), title, {
        mode: 'install', integrationId: id, workflowIds: stringList(options.workflowIds),
        alwaysShowAuthentication: options.alwaysShowAuthentication === true
      }, reply);
    }),

    authenticate: guarded('authenticate', function (options, reply) {
      if (!preflight(reply)) { return; }
      var app = options.app;
      if (typeof app !== 'string' || !app) { reply(failure('invalid_options', 'app is required')); return; }
      var title = typeof options.title === 'string' && options.title ? options.title : 'Connect your account';
      open(base + '/embed/authenticate?app=' + encodeURIComponent(app), title, { mode: 'authenticate', app: app }, reply);
    }),

    // Every page of GET /sdk/integrations, in order.
    getIntegrations: function () {
      try {
        if (!origin) { return Promise.reject(new Error('usher: unknown appliance address')); }
        if (!token) { return Promise.reject(new Error('usher: call Usher.setToken(jwt) first')); }
        var all = [];
        var page = function (cursor) {
          var url = base + '/sdk/integrations?limit=1000' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
          return window.fetch(url, {
            headers: { Authorization: 'Bearer ' + token }, credentials: 'omit', mode: 'cors', cache: 'no-store'
          }).then(function (response) {
            return response.json().then(function (body) {
              if (!response.ok) { throw new Error('usher: ' + (body && body.message || response.status)); }
              all = all.concat(body.data);
              return body.nextCursor ? page(body.nextCursor) : all;
            });
          });
        };
        return page(null);
      } catch (e) {
        return Promise.reject(e);
      }
    },

    close: function () {
      try { close('cancelled'); } catch (e) { warn('close failed', e); }
    }
  };

  window.Usher = Usher;
  window.Alloy = Usher;
})(window, document);
