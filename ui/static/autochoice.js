// A single or multiple choice answer (issue 10): every option is its own click target and records
// exactly itself; arrows move without saving, Space or Enter chooses; changes go through the shared
// save queue (queue.js), so a rerun that is interrupted can never reset or drop a choice.
export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const q = bbQueue('choice:' + data.iid + ':' + data.code, setStateValue, data.key, parentElement, data.who, data.guide);
  q.ack(data.acked);
  let root = parentElement.querySelector('.bb-choice');
  if (!root) root = build(parentElement, data, q);
  update(root, data, q);
}

function build(parent, data, q) {
  const many = data.kind === 'many';
  const root = bbEl('div', { class: 'bb-choice' });
  const g = bbEl('div', { class: 'bb-choice-group', role: many ? 'group' : 'radiogroup', 'aria-label': data.label,
                        'aria-required': data.required && !many ? 'true' : null });  // a group cannot say it
  data.options.forEach((opt) => {
    const o = bbEl('div', { class: 'bb-copt', role: many ? 'checkbox' : 'radio', 'aria-checked': 'false',
      tabindex: '-1', 'data-value': opt[0] });
    o.appendChild(bbEl('span', { class: many ? 'bb-box' : 'bb-dot', 'aria-hidden': 'true' }));
    o.appendChild(bbEl('span', { class: 'bb-ctext' }, opt[1]));
    o.addEventListener('click', (ev) => { ev.preventDefault(); toggle(root, q, opt[0]); o.focus(); });
    g.appendChild(o);
  });
  g.addEventListener('keydown', (ev) => {
    const opts = Array.from(g.querySelectorAll('.bb-copt'));
    const cur = opts.indexOf(document.activeElement);
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown' || ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') {
      ev.preventDefault();                                   // move only: nothing is saved
      const step = (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') ? 1 : opts.length - 1;
      const n = (Math.max(cur, 0) + step) % opts.length;
      opts.forEach((o, i) => o.setAttribute('tabindex', i === n ? '0' : '-1'));
      opts[n].focus();
    } else if ((ev.key === ' ' || ev.key === 'Enter') && cur >= 0) {
      ev.preventDefault();
      toggle(root, q, opts[cur].getAttribute('data-value'));
    }
  });
  root.appendChild(g);
  if (!many) {
    // named with its question: a screen reader going from button to button hears which answer it clears
    const clear = bbEl('button', { type: 'button', class: 'bb-clear', title: 'Fjern svaret (ikke besvaret)',
      'aria-label': 'Ryd svaret: ' + data.label }, 'Ryd');
    clear.addEventListener('click', () => set(root, q, null));
    root.appendChild(clear);
    root.__clear = clear;
  }
  const conflict = bbEl('div', { class: 'bb-conflict', role: 'alert', hidden: true });
  root.appendChild(conflict);
  root.__conflict = conflict;
  root.__g = g;
  root.__many = many;
  root.__local = q.mine(data.code, data.acked);   // chosen here, not yet drawn back by the server
  root.__item = { value: data.value, version: data.version };
  parent.appendChild(root);
  return root;
}

function current(root) { return root.__local !== undefined ? root.__local : root.__item.value; }

function toggle(root, q, value) {
  if (root.__readonly) return;
  if (!root.__many) { set(root, q, value); return; }
  const have = (current(root) || '').split(';').filter((x) => x);
  const on = have.indexOf(value) >= 0 ? have.filter((x) => x !== value) : have.concat([value]);
  const order = Array.from(root.__g.querySelectorAll('.bb-copt')).map((o) => o.getAttribute('data-value'));
  on.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  set(root, q, on.length ? on.join(';') : null);
}

function set(root, q, value) {
  if (root.__readonly) return;
  const prev = current(root);
  if ((prev || null) === (value || null)) return;
  const chain = root.__local !== undefined;
  root.__local = value;
  paint(root, value);
  q.push({ code: root.__code, value: value, base: [root.__item.version || 0, root.__item.value], chain: chain });
  bbStatus('saving');
}

function paint(root, value) {
  const on = (value || '').split(root.__many ? ';' : '\u0000');
  const opts = Array.from(root.__g.querySelectorAll('.bb-copt'));
  opts.forEach((o) => o.setAttribute('aria-checked', on.indexOf(o.getAttribute('data-value')) >= 0 ? 'true' : 'false'));
  if (!root.__g.contains(document.activeElement)) {
    const sel = opts.find((o) => o.getAttribute('aria-checked') === 'true') || opts[0];
    opts.forEach((o) => o.setAttribute('tabindex', o === sel ? '0' : '-1'));
  }
  if (root.__clear) root.__clear.hidden = !value || !root.__clearable || root.__readonly;
}

function update(root, data, q) {
  root.__code = data.code;
  root.__readonly = !data.editable;
  root.__clearable = !!data.clearable;
  root.classList.toggle('bb-readonly', !data.editable);
  if (q.fresh(data.code, data.acked) && !q.waiting(data.code)) {
    root.__item = { value: data.value, version: data.version };
    root.__local = undefined;
  }
  paint(root, current(root));
  root.__g.querySelectorAll('.bb-copt').forEach((o) => o.setAttribute('aria-disabled', data.editable ? 'false' : 'true'));
  bbConflicts(q, root.__conflict, data.conflicts);
}
