// Attachments in the composer (issue 12). The file input works alone, in a
// multipart form, without this script; with it, files can also be dropped
// on the form or pasted (a screenshot from the clipboard), the chosen files
// are listed with a remove button, files over the limits are flagged before
// anything is sent, and an htmx upload shows its progress. CSP-safe: no
// inline handlers, no eval, no inline styles.
(function () {
  'use strict';

  function sizeText(n) {
    if (n >= 10485760) return Math.floor(n / 1048576) + ' MB';
    if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MB';
    if (n >= 1024) return Math.floor(n / 1024) + ' KB';
    return n + (n === 1 ? ' byte' : ' bytes');
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  // A pasted screenshot arrives as "image.png"; give it a name worth keeping.
  function screenshotName(file) {
    var d = new Date();
    var ext = (file.type.split('/')[1] || 'png').replace('jpeg', 'jpg');
    return 'screenshot-' + d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) + '-' +
      pad(d.getHours()) + pad(d.getMinutes()) + pad(d.getSeconds()) + '.' + ext;
  }

  function hasFiles(dt) {
    if (!dt) return false;
    if (dt.files && dt.files.length) return true;
    return Array.prototype.indexOf.call(dt.types || [], 'Files') >= 0;
  }

  function setup(field) {
    if (field.getAttribute('data-attach-ready')) return;
    field.setAttribute('data-attach-ready', '1');
    var input = field.querySelector('input[type="file"]');
    var form = field.closest('form');
    if (!input || !form) return;
    var list = field.querySelector('.attach-chosen');
    var bar = field.querySelector('.attach-progress');
    var maxFiles = parseInt(input.getAttribute('data-max-files'), 10) || 0;
    var maxBytes = parseInt(input.getAttribute('data-max-bytes'), 10) || 0;
    // Dropping and pasting need a settable FileList (every current browser).
    var settable = typeof DataTransfer === 'function';
    if (settable) {
      var hint = field.querySelector('.attach-js-hint');
      if (hint) hint.hidden = false;
    }

    function setFiles(files) {
      var dt = new DataTransfer();
      files.forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;
      render();
    }

    function add(files) {
      if (!settable || !files.length) return;
      setFiles(Array.prototype.slice.call(input.files).concat(files));
    }

    // The chosen files, and a warning for any the server would refuse.
    function render() {
      var files = Array.prototype.slice.call(input.files || []);
      list.textContent = '';
      var problem = '';
      files.forEach(function (f, i) {
        var li = document.createElement('li');
        var name = document.createElement('span');
        name.className = 'attach-chosen-name';
        name.textContent = f.name;
        var size = document.createElement('span');
        size.className = 'muted small';
        size.textContent = ' ' + sizeText(f.size);
        li.appendChild(name);
        li.appendChild(size);
        if (settable) {
          var rm = document.createElement('button');
          rm.type = 'button';
          rm.className = 'btn btn-link attach-remove';
          rm.textContent = 'Remove';
          rm.setAttribute('aria-label', 'Remove ' + f.name);
          rm.addEventListener('click', function () {
            setFiles(files.filter(function (_, j) { return j !== i; }));
            input.focus();
          });
          li.appendChild(rm);
        }
        list.appendChild(li);
        if (!problem && maxBytes && f.size > maxBytes) {
          problem = '“' + f.name + '” is larger than ' + sizeText(maxBytes) + ', the largest file you can attach.';
        }
      });
      if (!problem && maxFiles && files.length > maxFiles) {
        problem = 'Attach at most ' + maxFiles + ' files to one message; you chose ' + files.length + '.';
      }
      list.hidden = files.length === 0;
      input.setCustomValidity(problem);
      var err = field.querySelector('.attach-local-error');
      if (problem) {
        if (!err) {
          err = document.createElement('p');
          err.className = 'field-error attach-local-error';
          err.setAttribute('role', 'alert');
          field.appendChild(err);
        }
        err.textContent = problem;
        field.classList.add('has-error');
      } else if (err) {
        err.remove();
        if (!field.querySelector('.field-error')) field.classList.remove('has-error');
      }
    }

    input.addEventListener('change', render);

    form.addEventListener('dragover', function (e) {
      if (!settable || !hasFiles(e.dataTransfer)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
      form.classList.add('attach-dragging');
    });
    form.addEventListener('dragleave', function (e) {
      if (!form.contains(e.relatedTarget)) form.classList.remove('attach-dragging');
    });
    form.addEventListener('drop', function (e) {
      form.classList.remove('attach-dragging');
      if (!settable || !e.dataTransfer || !e.dataTransfer.files || !e.dataTransfer.files.length) return;
      e.preventDefault();
      add(Array.prototype.slice.call(e.dataTransfer.files));
    });

    // A screenshot pasted into the form becomes an attachment. Clipboard
    // contents that also carry text (copied from a document) paste as text.
    form.addEventListener('paste', function (e) {
      var cd = e.clipboardData;
      if (!settable || !cd || !cd.files || !cd.files.length) return;
      if (Array.prototype.indexOf.call(cd.types || [], 'text/plain') >= 0) return;
      e.preventDefault();
      add(Array.prototype.map.call(cd.files, function (f) {
        if (!/^image\//.test(f.type) || (f.name && f.name !== 'image.png')) return f;
        return new File([f], screenshotName(f), { type: f.type, lastModified: Date.now() });
      }));
    });

    // htmx reports the upload's progress on the form.
    form.addEventListener('htmx:xhr:progress', function (e) {
      if (!bar || !input.files || !input.files.length || !e.detail || !e.detail.lengthComputable) return;
      bar.hidden = false;
      bar.value = Math.round(100 * e.detail.loaded / e.detail.total);
    });
    form.addEventListener('htmx:xhr:loadend', function () {
      if (bar) bar.hidden = true;
    });
    render();
  }

  function scan(root) {
    var fields = (root && root.querySelectorAll ? root : document).querySelectorAll('[data-attach]');
    Array.prototype.forEach.call(fields, setup);
    if (root && root.matches && root.matches('[data-attach]')) setup(root);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { scan(document); });
  } else {
    scan(document);
  }
  // Forms swapped in by htmx (a re-rendered composer, a boosted page).
  document.addEventListener('htmx:load', function (e) { scan(e.target); });
})();
