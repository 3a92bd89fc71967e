// The probe grid (issue 10): twelve outcome probes, each row: question | answer | important? | note | quotes.
// Own component so that every option's whole label and control record that option and nothing else,
// arrows move without saving, single keys answer the focused row, and notes save while typed.
export default function (component) {
  const { data, setStateValue, setTriggerValue, parentElement, key } = component;
  const q = bbQueue('grid:' + data.iid, setStateValue, data.key, parentElement, data.who, data.guide);
  q.ack(data.acked);
  let root = parentElement.querySelector('.bbg');
  if (!root) root = build(parentElement, data, q, setTriggerValue);
  update(root, data, q);
}

function keyOf(opt) { return opt[2]; }
// the quote button's name begins with what it shows («❝ 2»: WCAG 2.5.3, label in name), then says what it is
function quoteName(n, label) {
  return (n ? '❝ ' + n + (n === 1 ? ' citat: ' : ' citater: ') : '❝ Citater: ') + label;
}

function build(parent, data, q, trigger) {
  const root = bbEl('div', { class: 'bbg', role: 'group', 'aria-label': 'Udbytte: spørgsmål, svar og vigtighed' });
  root.__rows = {};
  root.__local = {};  // code -> value chosen here, not yet drawn back by the server (also after a remount)
  data.rows.forEach((r) => [r.answer, r.imp].forEach((it) => {
    if (!it) return;
    const mine = q.mine(it.code, data.acked);
    if (mine !== undefined) root.__local[it.code] = mine;
  }));
  const head = bbEl('div', { class: 'bbg-row bbg-head', 'aria-hidden': 'true' });
  ['Spørgsmål', 'Svar', 'Er det vigtigt for dig?', 'Note', 'Citat'].forEach((t) => head.appendChild(bbEl('div', { class: 'bbg-h' }, t)));
  root.appendChild(head);
  data.rows.forEach((r, i) => {
    const row = bbEl('div', { class: 'bbg-row', 'data-row': r.code });
    const qcell = bbEl('div', { class: 'bbg-q' });
    qcell.appendChild(bbEl('div', { class: 'bbg-label', id: 'bbg-l-' + r.code }, (i + 1) + '. ' + r.label));
    if (r.hint) qcell.appendChild(bbEl('div', { class: 'bbg-hint' }, r.hint));
    row.appendChild(qcell);
    const acell = bbEl('div', { class: 'bbg-a' });
    acell.appendChild(group(root, q, r.answer, r, 'answer', data));
    row.appendChild(acell);
    const icell = bbEl('div', { class: 'bbg-i' });
    if (r.imp) icell.appendChild(group(root, q, r.imp, r, 'imp', data));
    icell.appendChild(bbEl('div', { class: 'bbg-na', title: 'Spørges, når svaret er Ja, Nej eller Uklart' }, 'efter svar'));
    row.appendChild(icell);
    const ncell = bbEl('div', { class: 'bbg-n' });
    if (r.note) {
      const box = bbText(q, r.note.code, { label: 'Note: ' + r.label, placeholder: 'Note …', value: r.note.value,
        version: r.note.version, acked: data.acked, maxlength: data.maxlen, onDirty: () => status(root, 'typing'),
        onSent: () => status(root, 'saving') });
      ncell.appendChild(box);
      row.__note = box;
    }
    row.appendChild(ncell);
    const ccell = bbEl('div', { class: 'bbg-c' });
    if (r.note && r.quotable) {
      const b = bbEl('button', { type: 'button', class: 'bbg-quote', 'data-code': r.note.code,
        title: 'Citater ved dette spørgsmål', 'aria-label': quoteName(0, r.label) }, '❝');
      b.addEventListener('click', () => trigger('quote', { code: r.note.code, t: Date.now() }));
      ccell.appendChild(b);
      row.__quote = b;
    }
    row.appendChild(ccell);
    const conflict = bbEl("div", { class: "bb-conflict", role: "alert", hidden: true });
    row.appendChild(conflict);
    row.__conflict = conflict;
    root.appendChild(row);
    root.__rows[r.code] = row;
  });
  const legend = bbEl('div', { class: 'bbg-legend' });
  legend.textContent = data.legend;
  root.appendChild(legend);
  const wrap = bbEl('div', { class: 'bbg-wrap' });
  wrap.appendChild(root);
  parent.appendChild(wrap);
  root.__order = data.rows.map((r) => r.code);
  return root;
}

function group(root, q, item, row, kind, data) {
  const g = bbEl('div', { class: 'bbg-group bbg-' + kind, role: 'radiogroup', 'data-code': item.code,
    'aria-labelledby': kind === 'imp' ? null : 'bbg-l-' + row.code,
    'aria-label': kind === 'imp' ? 'Er det vigtigt for dig? (' + row.label + ')' : null });
  g.__item = item;
  item.options.forEach((opt, i) => {
    const o = bbEl('div', { class: 'bbg-opt', role: 'radio', 'aria-checked': 'false', tabindex: '-1',
      'data-value': opt[0], 'data-key': keyOf(opt) });
    o.appendChild(bbEl('span', { class: 'bbg-dot', 'aria-hidden': 'true' }));
    o.appendChild(bbEl('span', { class: 'bbg-text' }, opt[1]));
    o.appendChild(bbEl('kbd', { 'aria-hidden': 'true' }, keyOf(opt)));
    o.addEventListener('click', (ev) => { ev.preventDefault(); choose(root, q, g, opt[0], false); });
    g.appendChild(o);
  });
  g.addEventListener('keydown', (ev) => onKey(root, q, g, ev));
  return g;
}

function options(g) { return Array.from(g.querySelectorAll('.bbg-opt')); }

function focusGroup(g) {
  const opts = options(g);
  const sel = opts.find((o) => o.getAttribute('aria-checked') === 'true') || opts[0];
  opts.forEach((o) => o.setAttribute('tabindex', o === sel ? '0' : '-1'));
  sel.focus();
}

function visible(g) { return !!g && g.offsetParent !== null && !g.closest('[hidden]'); }

function nextRowGroup(root, g, step) {
  const code = g.closest('.bbg-row').getAttribute('data-row');
  const kind = g.classList.contains('bbg-imp') ? 'imp' : 'answer';
  let i = root.__order.indexOf(code) + step;
  while (i >= 0 && i < root.__order.length) {
    const t = root.__rows[root.__order[i]].querySelector('.bbg-' + kind);
    if (visible(t)) return t;
    if (kind === 'imp') return root.__rows[root.__order[i]].querySelector('.bbg-answer');
    i += step;
  }
  return null;
}

function onKey(root, q, g, ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const opts = options(g);
  const cur = opts.indexOf(document.activeElement);
  const k = ev.key;
  if (k === 'ArrowRight' || k === 'ArrowLeft') {           // move only: nothing is saved
    ev.preventDefault();
    const n = (Math.max(cur, 0) + (k === 'ArrowRight' ? 1 : opts.length - 1)) % opts.length;
    opts.forEach((o, i) => o.setAttribute('tabindex', i === n ? '0' : '-1'));
    opts[n].focus();
  } else if (k === 'ArrowDown' || k === 'ArrowUp') {
    const t = nextRowGroup(root, g, k === 'ArrowDown' ? 1 : -1);
    if (t) { ev.preventDefault(); focusGroup(t); }
  } else if (k === ' ' || k === 'Enter') {
    if (cur >= 0) { ev.preventDefault(); choose(root, q, g, opts[cur].getAttribute('data-value'), true); }
  } else if (k.length === 1) {
    const o = opts.find((x) => x.getAttribute('data-key') === k.toLowerCase());
    if (o) { ev.preventDefault(); choose(root, q, g, o.getAttribute('data-value'), true); }
  }
}

function shown(row, code, value) {
  const imp = row.querySelector('.bbg-imp');
  if (!imp) return;
  const on = value !== null && value !== undefined && imp.__item.when.indexOf(value) >= 0;
  imp.hidden = !on;
  row.querySelector('.bbg-na').hidden = on || !row.querySelector('.bbg-imp');
}

function paint(g, value) {
  options(g).forEach((o) => {
    const on = o.getAttribute('data-value') === value;
    o.setAttribute('aria-checked', on ? 'true' : 'false');
  });
  if (!g.contains(document.activeElement)) {
    const opts = options(g);
    const sel = opts.find((o) => o.getAttribute('aria-checked') === 'true') || opts[0];
    opts.forEach((o) => o.setAttribute('tabindex', o === sel ? '0' : '-1'));
  }
}

function choose(root, q, g, value, byKey) {
  if (root.__readonly) return;
  const item = g.__item;
  const code = item.code;
  const row = g.closest('.bbg-row');
  const prev = root.__local[code] !== undefined ? root.__local[code] : item.value;
  if (value === prev) {                     // the same answer again: nothing to save; keyboard moves on
    if (byKey) advance(root, g, row, value);
    return;
  }
  const chain = root.__local[code] !== undefined;
  root.__local[code] = value;
  paint(g, value);
  if (g.classList.contains('bbg-answer')) shown(row, code, value);
  q.push({ code: code, value: value, base: [item.version || 0, item.value], chain: chain });
  status(root, 'saving');
  if (byKey) advance(root, g, row, value);
}

function advance(root, g, row, value) {
  if (g.classList.contains('bbg-answer')) {
    const imp = row.querySelector('.bbg-imp');
    if (imp && !imp.hidden) { focusGroup(imp); return; }
  }
  const t = nextRowGroup(root, row.querySelector('.bbg-answer'), 1);
  if (t) focusGroup(t.classList.contains('bbg-answer') ? t : t.closest('.bbg-row').querySelector('.bbg-answer'));
}

function status(root, what) { bbStatus(what); }

function update(root, data, q) {
  root.__readonly = !data.editable;
  root.classList.toggle('bbg-readonly', !data.editable);
  data.rows.forEach((r) => {
    const row = root.__rows[r.code];
    if (!row) return;
    [['answer', r.answer], ['imp', r.imp]].forEach(([kind, item]) => {
      if (!item) return;
      const g = row.querySelector('.bbg-' + kind);
      const fresh = q.fresh(item.code, data.acked) && !q.waiting(item.code);
      if (fresh) { g.__item = item; delete root.__local[item.code]; }
      const v = root.__local[item.code] !== undefined ? root.__local[item.code] : g.__item.value;
      paint(g, v);
      options(g).forEach((o) => o.setAttribute('aria-disabled', data.editable ? 'false' : 'true'));
    });
    const ag = row.querySelector('.bbg-answer');
    const a = root.__local[r.answer.code] !== undefined ? root.__local[r.answer.code] : ag.__item.value;
    shown(row, r.answer.code, a);
    if (row.__note && r.note) {
      row.__note.__bbUpdate(r.note.value, r.note.version, data.acked);
      row.__note.disabled = !data.editable;
    }
    if (row.__quote) {
      row.__quote.textContent = r.quotes ? '❝ ' + r.quotes : '❝';
      row.__quote.setAttribute('aria-label', quoteName(r.quotes, r.label));
    }
    const c = (data.conflicts || {})[r.code] || null;
    conflictUi(root, q, row, c, data);
  });
}

function conflictUi(root, q, row, list, data) {
  bbConflicts(q, row.__conflict, list);
}
