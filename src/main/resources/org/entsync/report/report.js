// ent-sync run report: builds the changes/failures tables from the embedded JSON, adds filtering and sorting.
// Everything goes through textContent, never innerHTML: report values are untrusted.
(function () {
  'use strict';
  var dataEl = document.getElementById('report-data');
  var data = JSON.parse(dataEl.textContent);
  var entities = data.entities || {};
  // Control, bidi-override and lone-surrogate characters would be invisible or reorder the text around them.
  var SUSPICIOUS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029\uFEFF\uFFFE\uFFFF\uD800-\uDFFF]/gu;
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

  function visible(v) {
    if (v === null || v === undefined) return '';
    return String(v).replace(SUSPICIOUS, function (c) {
      return '\\u' + ('000' + c.charCodeAt(0).toString(16).toUpperCase()).slice(-4);
    });
  }

  function node(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = visible(text);
    return e;
  }

  function value(v) {
    if (v === null || v === undefined) return node('span', 'none', '(none)');
    if (v === '') return node('span', 'none', '(empty)');
    return node('span', 'v', v);
  }

  function own(o, k) {
    return o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, k);
  }

  function changeRow(c) {
    var tr = document.createElement('tr');
    var id = typeof c.moodleId === 'number' && c.moodleId > 0 ? c.moodleId : 0;
    var action = String(c.action || '');
    tr.appendChild(node('td', 'key', c.key));
    tr.appendChild(node('td', 'num', id > 0 ? id : '\u2014'));
    var actTd = document.createElement('td');
    actTd.appendChild(node('span', 'act act-' + (/^[a-zA-Z]+$/.test(action) ? action : 'other'), action));
    tr.appendChild(actTd);
    var td = node('td', 'diffs');
    var diff = c.changes && typeof c.changes === 'object' ? c.changes : {};
    var fields = Object.keys(diff);
    if (fields.length) {
      var ul = node('ul', 'diff');
      fields.forEach(function (f) {
        var pair = Array.isArray(diff[f]) ? diff[f] : [];
        var li = document.createElement('li');
        li.appendChild(node('span', 'f', f));
        li.appendChild(document.createTextNode(': '));
        li.appendChild(value(pair[0]));
        li.appendChild(node('span', 'arrow', ' \u2192 '));
        li.appendChild(value(pair[1]));
        ul.appendChild(li);
      });
      td.appendChild(ul);
    }
    if (c.note) td.appendChild(node('div', 'note', c.note));
    tr.appendChild(td);
    return { tr: tr, keys: [visible(c.key), id, action, td.textContent], text: tr.textContent.toLowerCase() };
  }

  function failureRow(f) {
    var tr = document.createElement('tr');
    var cells = [f.dn, f.key, f.field, f.value, f.reason];
    cells.forEach(function (v, i) { tr.appendChild(node('td', i === 4 ? 'reason' : '', v === null ? undefined : v)); });
    return { tr: tr, keys: cells.map(visible), text: tr.textContent.toLowerCase() };
  }

  function setup(box) {
    var name = box.getAttribute('data-entity');
    var kind = box.getAttribute('data-kind');
    var ent = own(entities, name) ? entities[name] : null;
    var list = ent && Array.isArray(ent[kind]) ? ent[kind] : [];
    var rows = list.map(kind === 'changes' ? changeRow : failureRow);
    var table = box.querySelector('table');
    var tbody = table.tBodies[0];
    var input = box.querySelector('input');
    var counter = box.querySelector('.rowcount');
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var sortCol = -1, sortDir = 1;

    function fill() {
      var frag = document.createDocumentFragment();
      rows.forEach(function (r) { frag.appendChild(r.tr); });
      tbody.appendChild(frag);
    }

    function filter() {
      var q = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (r) {
        var hit = !q || r.text.indexOf(q) >= 0;
        r.tr.hidden = !hit;
        if (hit) shown++;
      });
      counter.textContent = (shown === rows.length ? '' : shown + ' of ') + rows.length + (rows.length === 1 ? ' row' : ' rows');
      box.setAttribute('data-shown', String(shown));
    }

    function sortBy(col) {
      sortDir = col === sortCol ? -sortDir : 1;
      sortCol = col;
      var numeric = heads[col].getAttribute('data-type') === 'num';
      rows.sort(function (a, b) {
        var x = a.keys[col], y = b.keys[col];
        var d = numeric ? (x - y) : collator.compare(x, y);
        return d * sortDir;
      });
      heads.forEach(function (th, i) {
        th.setAttribute('aria-sort', i === col ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
      });
      fill();
    }

    heads.forEach(function (th, i) {
      th.tabIndex = 0;
      th.title = 'Click to sort';
      th.addEventListener('click', function () { sortBy(i); });
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(i); }
      });
    });
    var timer = 0;
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(filter, rows.length > 1000 ? 150 : 0);
    });
    fill();
    filter();
    box.setAttribute('data-rows', String(rows.length));
  }

  Array.prototype.forEach.call(document.querySelectorAll('.tablebox'), setup);
  document.documentElement.setAttribute('data-rendered', 'ok');
})();
