// A free-text answer that is saved while it is typed (issue 10): ~1.2 s after the last keystroke,
// on leaving the field and when the page is hidden or closed. ui/autosave.py processes the queue.
// a date as the guide reads one typed (survey.guide._TYPED_DATE); whether it exists is the server's word
const BB_WHOLE_DATE = /^\s*(\d{1,2}([.\-/])\d{1,2}\2\d{4}|\d{8}|\d{4}-\d{2}-\d{2})\s*$/;

export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const q = bbQueue('text:' + data.iid + ':' + data.code, setStateValue, data.key, parentElement, data.who, data.guide);
  q.ack(data.acked);
  let root = parentElement.querySelector('.bb-text');
  if (!root) {
    root = bbEl('div', { class: 'bb-text' });
    const box = bbText(q, data.code, { multiline: data.multiline, label: data.label, required: data.required, placeholder: data.placeholder,
      value: data.value, version: data.version, maxlength: data.maxlen, rows: data.rows, acked: data.acked,
      rejected: data.error ? data.rejected : undefined,   // drawn anew (back in the section): what was typed, refused
      onDirty: () => bbStatus('typing'), onSent: () => bbStatus('saving'), newquote: data.newquote,
      delay: data.date ? 3000 : undefined });   // a date half typed («05.11») is not sent while the next digit comes
    root.appendChild(box);
    root.__box = box;
    if (data.numeric) { box.setAttribute('inputmode', 'decimal'); box.classList.add('bb-number'); }
    if (data.date) box.classList.add('bb-date');
    // what the server refused (its message under the field), or a date half typed, lives only in this page:
    // closing or reloading it asks first (a tester's refused number was gone after a reload)
    window.addEventListener('beforeunload', (e) => {
      if (!box.isConnected || !box.value.trim()) return;
      if (!root.__err.hidden || (data.date && !BB_WHOLE_DATE.test(box.value))) { e.preventDefault(); e.returnValue = ''; }
    });
    const err = bbEl('div', { class: 'bb-field-err', role: 'alert', hidden: true });
    root.appendChild(err);
    root.__err = err;
    const conflict = bbEl('div', { class: 'bb-conflict', role: 'alert', hidden: true });
    root.appendChild(conflict);
    root.__conflict = conflict;
    parentElement.appendChild(root);
  }
  root.__box.disabled = !data.editable;
  root.__err.hidden = !data.error;
  root.__err.textContent = data.error || '';
  // a refused value stays as typed, to be corrected; otherwise the store's value is shown
  if (!(data.error && root.__box.value === (data.rejected || ''))) root.__box.__bbUpdate(data.value, data.version, data.acked);
  bbConflicts(q, root.__conflict, data.conflicts);
}
