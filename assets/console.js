// usher console: Copy buttons and confirmation dialogs. Every page works without this
// file: Copy buttons stay hidden (the value can be selected by hand), and a destructive
// form answers with a confirmation page instead of a dialog.
(function () {
  'use strict';

  function copyButton(button) {
    var target = document.getElementById(button.getAttribute('data-copy'));
    if (!target) { return; }
    button.hidden = false;
    button.addEventListener('click', function () {
      var copied = function () {
        button.textContent = 'Copied';
        window.setTimeout(function () { button.textContent = 'Copy'; }, 2000);
      };
      var select = function () {
        target.focus();
        target.select();
        try { if (document.execCommand('copy')) { copied(); } } catch (e) { /* left selected */ }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(target.value).then(copied, select);
      } else {
        select();
      }
    });
  }

  function confirmForm(form) {
    form.addEventListener('submit', function (event) {
      if (form.querySelector('input[name="confirmed"]')) { return; }
      if (!window.confirm(form.getAttribute('data-confirm'))) {
        event.preventDefault();
        return;
      }
      var field = document.createElement('input');
      field.type = 'hidden';
      field.name = 'confirmed';
      field.value = 'yes';
      form.appendChild(field);
    });
  }

  document.querySelectorAll('[data-copy]').forEach(copyButton);
  document.querySelectorAll('form[data-confirm]').forEach(confirmForm);
})();
