/*! usher: the script of the page inside the SDK's modal (/embed/install, /embed/authenticate).
 *
 * 1. Says "ready" to the parent, addressed to each origin of sdk.allowed_origins (the
 *    browser delivers it only if the parent really is one of them).
 * 2. Takes the first "init" message that comes from the parent window AND from an allowed
 *    origin; it carries the user's JWT. Anything else is ignored.
 * 3. Fetches the form from /sdk/... with the JWT, posts the form back as JSON, and sends
 *    the result to that one parent origin.
 */
(function () {
  'use strict';
  var root = document.getElementById('usher-embed');
  var statusBox = document.getElementById('usher-status');
  var slot = document.getElementById('usher-form');
  var heading = document.getElementById('usher-heading');
  var mode = root.getAttribute('data-mode');
  var integrationId = root.getAttribute('data-integration-id') || '';
  var app = root.getAttribute('data-app') || '';
  var allowed = [];
  try { allowed = JSON.parse(root.getAttribute('data-allowed-origins') || '[]'); } catch (e) { allowed = []; }

  var parentOrigin = null;
  var token = null;
  var options = {};
  var busy = false;
  var finished = false;

  function url(path) { return new URL(path, window.location.href).toString(); }

  function say(kind, title, detail) {
    statusBox.className = 'status status-' + kind;
    statusBox.textContent = '';
    var p = document.createElement('p');
    var strong = document.createElement('strong');
    strong.textContent = title;
    p.appendChild(strong);
    statusBox.appendChild(p);
    if (detail) {
      var d = document.createElement('p');
      d.textContent = detail;
      statusBox.appendChild(d);
    }
  }

  function post(message) {
    message.usher = 1;
    if (window.parent === window) { return; }
    if (parentOrigin) { window.parent.postMessage(message, parentOrigin); return; }
    // Before "init" the parent's origin is unknown: address each allowed origin; the
    // browser drops the copies whose origin does not match the parent.
    for (var i = 0; i < allowed.length; i++) {
      try { window.parent.postMessage(message, allowed[i]); } catch (e) { /* not this one */ }
    }
  }

  function fail(error, title, detail) {
    finished = true;
    slot.textContent = '';
    say('error', title, detail);
    post({ type: 'result', result: { success: false, error: error, message: detail || title } });
  }

  function request(method, path, body) {
    var init = { method: method, headers: { Authorization: 'Bearer ' + token }, credentials: 'omit', cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return window.fetch(url(path), init).then(function (response) {
      return response.text().then(function (text) { return { status: response.status, ok: response.ok, text: text }; });
    });
  }

  function errorOf(answer) {
    try { return JSON.parse(answer.text); } catch (e) { return { message: 'HTTP ' + answer.status }; }
  }

  // Failures that end the flow; anything else (a 4xx on submit) lets the user retry.
  function fatal(answer) {
    var body = errorOf(answer);
    if (answer.status === 401) {
      fail('session_expired', 'Your session has expired', 'Close this window and try again. (' + body.message + ')');
    } else if (answer.status === 404) {
      fail(mode === 'install' ? 'integration_not_found' : 'app_not_found', 'Not available',
        body.message || 'This integration does not exist.');
    } else {
      fail('failed', 'Something went wrong', body.message || ('HTTP ' + answer.status));
    }
  }

  function start() {
    say('info', 'Loading…');
    if (mode !== 'install') { loadForm('../sdk/apps/' + encodeURIComponent(app || '-') + '/form'); return; }
    var id = encodeURIComponent(integrationId || '-');
    request('GET', '../sdk/integrations/' + id).then(function (answer) {
      if (!answer.ok) { fatal(answer); return; }
      var installation = JSON.parse(answer.text).data.installation;
      if (installation && options.alwaysShowAuthentication !== true) {
        // Installed already: nothing to ask (alwaysShowAuthentication asks again).
        finished = true;
        say('success', 'Already connected', 'You can close this window.');
        post({ type: 'result', result: { success: true, alreadyInstalled: true,
          installationId: installation.installationId, workflowIds: installation.workflowIds } });
        return;
      }
      loadForm('../sdk/integrations/' + id + '/form');
    }, networkDown);
  }

  function networkDown() {
    fail('network_error', 'Could not reach the server', 'Check your connection and try again.');
  }

  function loadForm(path) {
    request('GET', path).then(function (answer) {
      if (!answer.ok) { fatal(answer); return; }
      statusBox.textContent = '';
      statusBox.className = 'status';
      showForm(answer.text);
    }, networkDown);
  }

  // The hosted install page, rendered (and escaped) by the appliance itself: its form
  // and heading move into this page; the form is then posted as JSON with the JWT.
  function showForm(html) {
    var parsed = new DOMParser().parseFromString(html, 'text/html');
    var main = parsed.querySelector('main') || parsed.body;
    slot.textContent = '';
    while (main.firstChild) { slot.appendChild(document.adoptNode(main.firstChild)); }
    var form = slot.querySelector('form');
    if (!form) { fail('failed', 'Something went wrong', 'the form is missing'); return; }
    if (slot.querySelector('h1') && heading) { heading.parentNode.removeChild(heading); heading = null; }
    form.addEventListener('submit', submit);
    var first = form.querySelector('input:not([type=hidden])');
    if (first) { first.focus(); }
  }

  // Messages of a 422 next to their fields, as the hosted page shows them.
  function markFields(form, fields) {
    var old = form.querySelectorAll('.error[data-usher]');
    for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
    var inputs = form.querySelectorAll('input[name]');
    for (var j = 0; j < inputs.length; j++) {
      var input = inputs[j];
      var message = fields && Object.prototype.hasOwnProperty.call(fields, input.name) ? fields[input.name] : null;
      var box = input.parentNode;
      box.classList.toggle('invalid', !!message);
      if (message) {
        input.setAttribute('aria-invalid', 'true');
        var p = document.createElement('p');
        p.className = 'error';
        p.setAttribute('data-usher', '1');
        var label = box.querySelector('label');
        p.textContent = (label ? label.textContent.replace(/\s*\*\s*$/, '') + ' ' : '') + message;
        box.appendChild(p);
      } else {
        input.removeAttribute('aria-invalid');
      }
    }
  }

  function credentialsOf(form) {
    var values = {};
    for (var i = 0; i < form.elements.length; i++) {
      var input = form.elements[i];
      if (!input.name || input.type === 'hidden' || input.type === 'submit' || input.disabled) { continue; }
      values[input.name] = input.value;
    }
    return values;
  }

  function submit(event) {
    event.preventDefault();
    if (busy || finished) { return; }
    busy = true;
    var form = event.target;
    var buttons = form.querySelectorAll('button, input[type=submit]');
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
    say('info', 'Connecting…');
    var body = mode === 'install'
      ? { integrationId: integrationId, credentials: credentialsOf(form) }
      : { app: app, credentials: credentialsOf(form) };
    if (mode === 'install' && options.workflowIds) { body.workflowIds = options.workflowIds; }
    request('POST', mode === 'install' ? '../sdk/installations' : '../sdk/credentials', body).then(function (answer) {
      busy = false;
      for (var j = 0; j < buttons.length; j++) { buttons[j].disabled = false; }
      if (answer.ok) {
        var result = JSON.parse(answer.text);
        finished = true;
        slot.textContent = '';
        say('success', 'Connected', 'You can close this window.');
        post({ type: 'result', result: result });
      } else if (answer.status === 401 || answer.status === 404 || answer.status >= 500) {
        fatal(answer);
      } else {
        var problem = errorOf(answer);
        markFields(form, problem.fields);
        say('error', 'Please check the form', problem.fields ? '' : problem.message);
      }
    }, function () {
      busy = false;
      for (var j = 0; j < buttons.length; j++) { buttons[j].disabled = false; }
      say('error', 'Could not reach the server', 'Check your connection and try again.');
    });
  }

  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || allowed.indexOf(event.origin) < 0) { return; }
    var data = event.data;
    if (parentOrigin || !data || data.usher !== 1 || data.type !== 'init') { return; }
    if (typeof data.token !== 'string' || !data.token) { return; }
    parentOrigin = event.origin;
    token = data.token;
    options = data.options && typeof data.options === 'object' ? data.options : {};
    start();
  });

  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' || event.key === 'Esc') { post({ type: 'close' }); }
  });

  if (window.parent === window) {
    say('error', 'Open this page from your app', 'It is shown inside the app that sent you here.');
  } else {
    post({ type: 'ready' });
  }
})();
