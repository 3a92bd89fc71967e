// Shared by Brugerblik's own components (ui/autosave.py): the save queue.
// Every change gets a sequence number and stays in `pending` until the server acknowledges it
// (data.acked[cid] >= seq). The whole unacknowledged queue is sent as component *state*
// (setStateValue), not as a trigger: a rerun that is interrupted by the next one cannot drop a
// change, because the next message carries it again. The server applies each seq once.
const BB = (window.__bbSave = window.__bbSave || {
  cid: Math.random().toString(36).slice(2) + Date.now().toString(36),
  seq: 0,
  again: 0,
  queues: {},
});
// A queue not acknowledged this long after it was sent, while the connection is up, is sent again (then
// after twice as long, up to a minute: a slow server's run is not cut short again and again). A tester
// killed the server, chose «Kvinde» and typed an answer: when it was back, the text was stored, but the
// choice never was — the reconnected session never got that component's state — and the page said
// «Gemmer stadig …» for good.
const BB_RESEND_MS = 8000;

function bbQueue(key, setStateValue, componentKey, el, who, guide) {
  const q = (BB.queues[key] = BB.queues[key] || { pending: [], send: null, flushers: [] });
  q.send = setStateValue;
  // the guide this component is drawn with (ui/autosave.guide_data): each change made here carries its digest
  // (`gd`), and the server stores nothing from a page drawn with another guide than the one in use
  if (guide && guide.gd) q.gd = guide.gd;
  q.componentKey = componentKey;
  q.el = el || q.el;
  // is the component on the page now? (another section or page drawn: its state reaches no widget)
  q.mounted = () => !!(q.el && q.el.isConnected);
  q.last = q.last || {};
  q.lastValue = q.lastValue || {};
  q.drafts = q.drafts || {};   // code -> the id of the new quote being typed (kept while the field is redrawn)
  q.iid = key.split(':')[1];
  q.push = function (item) {
    item.seq = ++BB.seq;
    item.by = BB.who;   // who made it (ui/autosave_http.author_mark): stored only under that name
    if (q.gd) item.gd = q.gd;   // the guide the page showed when it was made (survey.interview.drawn_with)
    item.at = Date.now();   // bbStatus: a change unacknowledged for BB_SLOW_MS is reported
    if (item.chain) item.prev = q.lastValue[item.code];
    q.last[item.code] = item.seq;
    if (item.kind !== 'keep') q.lastValue[item.code] = item.value;
    q.pending.push(item);
    q.send('queue', { cid: BB.cid, items: q.pending.slice() });
    q.sentAt = Date.now();
    q.wait = BB_RESEND_MS;
    return item.seq;
  };
  q.ack = function (acked) {
    // the page's user first: an acknowledgement drawn for a user signed in after another in this tab covers the
    // earlier user's changes too (the server refuses them, and counts them as seen); those are held, not dropped
    // (the save status is drawn before the page's fields, whose `who` would otherwise hold them only later)
    const pw = bbPageWho();
    if (pw !== undefined) bbSetWho(pw);
    const upto = (acked || {})[BB.cid] || 0;
    q.pending = q.pending.filter((it) => it.seq > upto);
    bbStatus('idle');
  };
  // the queue sent again, as it stands (a new message: `again` differs), when the server has not
  // acknowledged it; each seq is applied once, so a repeat changes nothing
  q.resend = function () {
    q.send('queue', { cid: BB.cid, items: q.pending.slice(), again: ++BB.again });
    q.sentAt = Date.now();
    q.wait = Math.min((q.wait || BB_RESEND_MS) * 2, 60000);
  };
  if (who !== undefined) bbSetWho(who);
  if (guide && guide.gd && (guide.accept || []).length) bbReloaded(q.iid, guide.gd, guide.accept);
  q.waiting = function (code) {
    return q.pending.some((it) => it.code === code);
  };
  // Is a component's data for `code` newer than every change made here? Only data drawn after the
  // server applied our last change to that code (its acked >= that seq) may replace what is shown;
  // the save status can clear «Gemmer …» earlier, but older component data must not win.
  q.fresh = function (code, acked) {
    return ((acked || {})[BB.cid] || 0) >= (q.last[code] || 0);
  };
  // What a component drawn anew (the browser can remount it) must show for `code`: the last value
  // chosen or typed here while the server's data does not yet include it; undefined otherwise.
  q.mine = function (code, acked) {
    return (q.fresh(code, acked) || !(code in q.lastValue)) ? undefined : q.lastValue[code];
  };
  return q;
}

// The page was reloaded («Genindlæs siden», ui/interview_view.guide_changed_view) past the guides `accept`: the
// changes of interview `iid` held here since they were refused as made on a page drawn with one of those are
// now the page's as drawn with `gd`, and are sent again at once — the server checks them with that guide (a
// choice it no longer has is refused and said so at the field) like any change.
function bbReloaded(iid, gd, accept) {
  for (const k in BB.queues) {
    const q = BB.queues[k];
    if (q.iid !== iid) continue;
    let n = 0;
    q.pending.forEach((it) => { if (it.gd && it.gd !== gd && accept.includes(it.gd)) { it.gd = gd; n += 1; } });
    if (n) { q.sentAt = 1; q.wait = BB_RESEND_MS; }   // sent at the next second's check, once on the page
  }
  (BB.held || []).forEach((h) => {
    if (h.key.split(':')[1] === iid && h.item.gd && accept.includes(h.item.gd)) { h.item.gd = gd; h.next = 0; }
  });
}
// The page says its guide changed (ui/interview_view.guide_changed_view): its changes wait for «Genindlæs siden».
function bbGuideChanged() {
  return !!document.querySelector('.st-key-bb_guide_changed');
}
const BB_GUIDE_TEXT = 'Ikke gemt: spørgeguiden er ændret. Tryk «Genindlæs siden» — dine ændringer venter her. Luk ikke fanen.';

// The save status (drawn first in each rerun, after the server has applied the queues) carries what
// it applied (data-acked): clear «Gemmer …» then, not only when each component is drawn again.
if (!window.__bbAckHooked) {
  window.__bbAckHooked = true;
  let lastAck = null;
  new MutationObserver(() => {
    // the save status of an interview page; on the login page, what the session that ended had applied (a
    // change stored just before «Log ud», whose status was not yet drawn, is not left waiting here for good)
    const e = document.querySelector('.bb-mainstatus') || document.querySelector('.bb-acks');
    const raw = e ? e.getAttribute('data-acked') : null;
    if (!raw || raw === lastAck) return;
    lastAck = raw;
    let acked = {};
    try { acked = JSON.parse(raw); } catch (err) { return; }
    for (const k in BB.queues) {
      const comp = BB.queues[k].componentKey;
      if (comp && acked[comp]) BB.queues[k].ack(acked[comp]);
    }
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-acked'] });
}

// Flush typed text when the page is hidden or closed (tab closed, laptop lid, another app).
if (!window.__bbFlushHooked) {
  window.__bbFlushHooked = true;
  // The websocket may be gone before its last message is out when the tab closes: what is not yet
  // acknowledged also goes by navigator.sendBeacon to /bb/autosave (ui/autosave_http.py), which the
  // browser delivers after the page is gone. Saving twice is harmless (the same value changes nothing).
  const beacon = () => {
    const byIid = {};
    for (const k in BB.queues) {
      const q = BB.queues[k];
      const items = bbNewest(q.pending);
      if (items.length && q.iid) (byIid[q.iid] = byIid[q.iid] || []).push(...items);
    }
    // changes held for a user who is signed in again on another page of this tab (bbSendHeld)
    const who = bbPageWho();
    (BB.held || []).filter((h) => who !== undefined && h.item.by === who).forEach((h) => {
      const iid = h.key.split(':')[1];
      (byIid[iid] = byIid[iid] || []).push(...bbNewest([h.item]));
    });
    for (const iid in byIid) {
      // at most BB_MAX_ITEMS a beacon: the route looks at no more (its answer, which a beacon cannot read, says so)
      for (let i = 0; i < byIid[iid].length; i += BB_MAX_ITEMS) {
        try {
          const body = new Blob([JSON.stringify({ iid: iid, items: byIid[iid].slice(i, i + BB_MAX_ITEMS) })],
            { type: 'text/plain' });
          navigator.sendBeacon('/bb/autosave', body);
        } catch (e) {}
      }
    }
  };
  const flushAll = () => {
    for (const k in BB.queues) (BB.queues[k].flushers || []).forEach((f) => { try { f(); } catch (e) {} });
    beacon();
  };
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flushAll(); });
  window.addEventListener('pagehide', flushAll);
  window.addEventListener('beforeunload', flushAll);
  BB.flushAll = flushAll;
  setInterval(() => {
    if (document.getElementById('bb-offline')) return;   // the connection is gone: sent again when it is back
    const now = Date.now();
    for (const k in BB.queues) {
      const q = BB.queues[k];
      // only a component on the page: another's state reaches no widget (its changes go by the closing beacon)
      if (q.pending.length && q.resend && q.mounted() && now - (q.sentAt || now) > (q.wait || BB_RESEND_MS)) q.resend();
    }
  }, 1000);
  // A change the server has not acknowledged while the connection is gone (the red banner, #bb-offline) or
  // the server has not answered for a while: the beacon above cannot reach it either, and the change lives
  // only in this page. Closing or reloading it then asks first (a tester killed the server, answered,
  // pressed F5 and lost every answer without a word).
  window.addEventListener('beforeunload', (e) => {
    const now = Date.now();
    let waiting = false, old = false;
    for (const k in BB.queues) {
      const q = BB.queues[k];
      q.pending.forEach((it) => {
        if (it.kind === 'done') return;
        waiting = true;
        // unanswered for 2 s on this page (a queue of a page left long ago: its acknowledgement may be lost)
        if (q.mounted() && now - (it.at || now) > 2000) old = true;
      });
    }
    // signed out (the login form in place of the interview: a logout in another tab, the inactivity timeout): the
    // server keeps nothing from this tab until it is signed in again, and the beacon is refused too
    if ((waiting && (old || document.getElementById('bb-offline') || bbSignedOut() || bbGuideChanged())) || bbHeld()) {
      e.preventDefault(); e.returnValue = '';
    }
  });
}

// Who is signed in in this tab (the components' `who`). A tester: after a logout in another tab, the tab kept
// the interviewer's unsaved changes (below, «Ikke gemt: du er logget ud»); when *another* user signed in in the
// tab, they were stored under that user's name. Now another user's changes are held, out of the queues, while
// someone else is signed in (the pill says so, closing asks first); they go back into their queues — with new
// sequence numbers, for the server has applied later ones meanwhile — when their own user signs in here again.
function bbSetWho(who) {
  if (BB.who === who) return;
  BB.who = who;
  bbHoldOthers(who);
  const back = BB.held.filter((h) => h.item.by === who);
  BB.held = BB.held.filter((h) => h.item.by !== who);
  back.sort((a, b) => a.item.seq - b.item.seq).forEach((h) => {
    const q = BB.queues[h.key];
    if (!q) return;
    const it = h.item;
    it.seq = ++BB.seq;
    it.at = Date.now();
    q.last[it.code] = it.seq;
    if (it.kind !== 'keep') q.lastValue[it.code] = it.value;
    q.pending.push(it);
    q.sentAt = 1;   // sent at the next second's check (line «q.resend()» above), once its component is on the page
    q.wait = BB_RESEND_MS;
  });
  if (BB.held.length || back.length) bbStatus('saving');
}
// Every change in the queues made by another user than `who` is held (out of the queues: never sent as `who`'s).
// Also on a page without the interview's fields, where no component tells who is signed in (the interview list
// after «Log ud» and another user's login): a change of the user before, whose acknowledgement was lost, said
// «Gemmer stadig … serveren har ikke svaret» there for good.
function bbHoldOthers(who) {
  BB.held = BB.held || [];
  for (const k in BB.queues) {
    const q = BB.queues[k];
    const theirs = q.pending.filter((it) => it.by !== undefined && it.by !== who);
    if (!theirs.length) continue;
    q.pending = q.pending.filter((it) => !theirs.includes(it));
    theirs.forEach((it) => {
      BB.held.push({ key: k, item: it });
      // what the fields show is the store's again, not the other user's unsaved text
      if (q.last[it.code] === it.seq) { delete q.last[it.code]; delete q.lastValue[it.code]; }
    });
  }
}
// the newest change of each answer, and of each new quote (a field may have begun another since), of `items`
function bbNewest(items) {
  const last = {};
  items.forEach((it) => {
    if (it.kind !== 'keep' && it.kind !== 'done') last[it.draft ? it.code + '#' + it.draft : it.code] = it;
  });
  return Object.values(last);
}
// Who is signed in on the page shown (ui/access.chrome: the sidebar's «Logget ind som» carries it), also a page
// without the interview's fields; undefined when nobody is (the login form) or the store has no users.
function bbPageWho() {
  const el = document.querySelector('[class*="st-key-bb_who_"]');
  const m = el && /st-key-bb_who_([0-9a-f]+)/.exec(el.className);
  return m ? m[1] : undefined;
}
// The held changes of the user signed in again here, while their interview's fields are not on the page (after
// «Log ud» the app opens on the interview list): stored at once through the closing route, under that user's
// session cookie, at most BB_MAX_ITEMS in one request. What the store records as a conflict there (another tab
// saved the answer meanwhile) is kept in the audit trail and offered when the interview is opened
// (survey.interview: the interview's conflicts). Only 204 means everything was stored; a 200 names the
// positions of what was not (`not_stored`: a value the store refused — the guide's check, an unknown question, a
// closed interview): those stay held, the pill says in red that they are not saved, and they go back into their
// fields when the interview is opened (bbSetWho), where the refusal is shown to be corrected. A tester's number
// the guide refuses was dropped here on the route's 204 without a word. Such a refusal is final — the same change
// gets the same answer — so it is not sent again from here (it was, every minute, for as long as the tab was
// open); only a transient failure (no answer, the server down, signed out, 409: a guide that does not fit or a
// page drawn with another guide) is tried again, after 8 s, then twice as long, up to a minute.
const BB_MAX_ITEMS = 200;   // ui/autosave_http.MAX_ITEMS
const bbItemKey = (it) => (it.draft ? it.code + '#' + it.draft : it.code);
function bbSendHeld(who) {
  if (BB.heldSending || who === undefined) return;
  const now = Date.now();
  const mine = (BB.held || []).filter((h) => h.item.by === who && !(BB.queues[h.key] && BB.queues[h.key].mounted())
                                            && !h.final && !(h.next > now));
  if (!mine.length) return;
  const byIid = {};
  mine.forEach((h) => { const iid = h.key.split(':')[1]; (byIid[iid] = byIid[iid] || []).push(h); });
  const sends = [];
  Object.keys(byIid).forEach((iid) => {
    const items = bbNewest(byIid[iid].map((h) => h.item));
    if (!items.length) { BB.held = BB.held.filter((h) => !byIid[iid].includes(h)); return; }   // marks only
    for (let i = 0; i < items.length; i += BB_MAX_ITEMS) {
      const part = items.slice(i, i + BB_MAX_ITEMS);
      const keys = new Set(part.map(bbItemKey));
      // the held changes this request answers for: its items, and the older changes of the same answers
      const hs = byIid[iid].filter((h) => h.item.kind === 'keep' || h.item.kind === 'done' ? i === 0
                                                                                           : keys.has(bbItemKey(h.item)));
      sends.push({ iid: iid, part: part, hs: hs });
    }
  });
  if (!sends.length) return;
  BB.heldSending = true;
  const later = (h) => {   // tried again after 8 s, then twice as long, up to a minute
    h.wait = Math.min((h.wait || BB_RESEND_MS / 2) * 2, 60000);
    h.next = Date.now() + h.wait;
  };
  const settle = (hs, notStored) => {   // drop what was stored; keep the rest, marked refused: not sent again
    const keep = new Set(notStored.map(bbItemKey));
    BB.held = BB.held.filter((h) => !hs.includes(h) || keep.has(bbItemKey(h.item)));
    hs.filter((h) => keep.has(bbItemKey(h.item))).forEach((h) => { h.refused = true; h.final = true; });
  };
  Promise.all(sends.map((x) => {
    const body = new Blob([JSON.stringify({ iid: x.iid, items: x.part })], { type: 'text/plain' });
    return fetch(window.location.origin + '/bb/autosave', { method: 'POST', body: body, credentials: 'same-origin' })
      .then((r) => {
        if (r.status === 204) return settle(x.hs, []);
        if (r.status === 200) {
          return r.json().then((b) => settle(x.hs, ((b && b.not_stored) || []).map((i) => x.part[i]).filter(Boolean)))
            .catch(() => x.hs.forEach(later));   // an answer not understood: nothing is dropped
        }
        x.hs.forEach(later);   // transient (signed out, the server down, 409): nothing is dropped, tried again
        return undefined;
      }, () => x.hs.forEach(later));   // no answer at all: the same
  })).catch(() => {}).finally(() => { BB.heldSending = false; bbStatus('idle'); });
}
// held changes of `who` the store did not take (bbSendHeld)
function bbRefused(who) {
  return (BB.held || []).filter((h) => h.refused && h.item.by === who && h.item.kind !== 'done').length;
}
const bbRefusedText = (n) => `Ikke gemt: ${n === 1 ? 'én ændring' : n + ' ændringer'} blev ikke taget af serveren`
  + ' (fx et tal uden for det tilladte). Åbn interviewet og ret dem. Luk ikke fanen.';
function bbHeld() {
  return (BB.held || []).filter((h) => h.item.kind !== 'done').length;
}
const bbHeldText = (n) => `Ikke gemt: ${n === 1 ? 'én ændring' : n + ' ændringer'} fra den bruger, der var logget ind før dig i`
  + ' denne fane. De gemmes, når vedkommende logger ind her igen. Luk ikke fanen, hvis de skal bevares.';

// The tab shows the login form (or the forced new password) in place of the page: nobody is signed in in it. A
// tester logged out in another tab while typing: the text and a choice waited in this tab, the pill said the
// server had not answered, and closing the tab asked nothing — both were gone without a word.
function bbSignedOut() {
  return !!document.querySelector('.st-key-bb_login_btn, .st-key-bb_pw_logout');
}
// The interview's changes in this page that the server has not stored (not Streamlit's own widgets: typing the
// user name on the login form is no unsaved answer).
function bbUnsaved() {
  let n = 0;
  Object.values(BB.queues).forEach((x) => x.pending.forEach((it) => { if (it.kind !== 'done') n += 1; }));
  return n + bbHeld();
}
const BB_OUT_TEXT = 'Ikke gemt: du er logget ud. Log ind igen i denne fane — så gemmes dine ændringer. Luk ikke fanen.';

// «Skriver …» / «Gemmer …» while something typed or chosen here is not yet acknowledged: a pill of
// our own over the main area's save status (that status is the server's, drawn by React: never
// edited here). While it shows, the server's «✔ Alt er gemt» / «✔ Gemt» is hidden (body.bb-busy,
// ui/common.py): a tester saw it stay green beside «Gemmer …» while the server hung. A save not
// acknowledged within BB_SLOW_MS says so, in red: the server has not answered, keep the page open.
const BB_SLOW_MS = 6000;
function bbOldestPending() {
  let oldest = BB.native || 0;   // a change to one of Streamlit's own widgets (below) waits too
  Object.values(BB.queues).forEach((x) => x.pending.forEach((it) => {
    if (it.at && (!oldest || it.at < oldest)) oldest = it.at;
  }));
  return oldest;
}
function bbSay(text) {
  let r = document.getElementById('bb-sr');
  if (!r) {
    r = bbEl('div', { id: 'bb-sr', role: 'status', 'aria-live': 'polite', class: 'bb-sr-only' });
    document.body.appendChild(r);
  }
  r.textContent = '';   // the same words again are a new message
  setTimeout(() => { r.textContent = text; }, 50);
}
function bbStatus(what) {
  let pill = document.getElementById('bb-pending');
  if (!pill) {
    pill = bbEl('div', { id: 'bb-pending', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(pill);
  }
  if (what === 'idle') {
    const busy = !!BB.native || !!BB.dateTyping || !!BB.dateWarning || !!bbHeld()
      || Object.values(BB.queues).some((x) => x.pending.length || x.typing);
    if (!busy) {
      const was = !pill.hidden;
      pill.hidden = true; pill.dataset.state = 'idle';
      document.body.classList.remove('bb-busy');
      // The server's «✔ Gemt» changed while it was hidden behind «Gemmer …» (body.bb-busy), and a screen reader
      // does not read a change it could not see: say it in a live region of our own, read but not shown.
      if (was) bbSay('Gemt');
    }
    return;
  }
  document.body.classList.add('bb-busy');
  if (['slow', 'out', 'held', 'refused', 'guide'].includes(pill.dataset.state) && !pill.hidden) return;  // until acknowledged
  if ((what === 'typing' || what === 'date') && pill.dataset.state === 'saving' && !pill.hidden) return;
  pill.dataset.state = what;
  pill.textContent = what === 'saving' ? 'Gemmer …'
    : what === 'date' ? 'Skriver dato … gemmes, når du forlader datofeltet' : 'Skriver … gemmes om lidt';
  pill.hidden = false;
  if (!BB.slowTimer) {
    BB.slowTimer = setInterval(() => {
      const p = document.getElementById('bb-pending');
      if (!p || p.hidden || BB.dateWarning) return;   // a date's own warning stays until the date is looked at
      if (bbSignedOut() && bbUnsaved()) {   // signed out: not stored until this tab is signed in again
        if (p.dataset.state !== 'out') { p.dataset.state = 'out'; p.textContent = BB_OUT_TEXT; }
        return;
      }
      if (bbGuideChanged() && bbUnsaved()) {   // refused as made on a page drawn with another guide: held here
        if (p.dataset.state !== 'guide') { p.dataset.state = 'guide'; p.textContent = BB_GUIDE_TEXT; }
        return;
      }
      const who = bbPageWho();
      if (who !== undefined && who !== BB.who) bbHoldOthers(who);
      if (bbHeld() && who !== undefined) bbSendHeld(who);
      const held = (BB.held || []).filter((h) => h.item.by !== who && h.item.kind !== 'done').length;
      if (held && !bbSignedOut()) {   // another user's changes, while someone else is signed in here
        const t = bbHeldText(held);
        if (p.dataset.state !== 'held' || p.textContent !== t) { p.dataset.state = 'held'; p.textContent = t; }
        return;
      }
      const refused = who !== undefined ? bbRefused(who) : 0;
      if (refused) {   // this user's held changes the store did not take: kept here, sent again
        const t = bbRefusedText(refused);
        if (p.dataset.state !== 'refused' || p.textContent !== t) { p.dataset.state = 'refused'; p.textContent = t; }
        return;
      }
      if (['out', 'held', 'refused', 'guide'].includes(p.dataset.state)) {   // signed in again; or taken now
        p.dataset.state = 'saving'; p.textContent = 'Gemmer …';
      }
      const oldest = bbOldestPending();
      const slow = oldest && Date.now() - oldest >= BB_SLOW_MS;
      if (slow && p.dataset.state !== 'slow') {
        p.dataset.state = 'slow';
        p.textContent = 'Gemmer stadig … serveren har ikke svaret — luk ikke siden';
      } else if (!slow && p.dataset.state === 'slow') {   // acknowledged: what is left is new
        p.dataset.state = oldest ? 'saving' : 'typing';
        p.textContent = oldest ? 'Gemmer …' : 'Skriver … gemmes om lidt';
      }
    }, 500);
  }
}

// Streamlit's own widgets on the page (the interview's date and interviewer, the archetype cards, buttons):
// their change reaches the server with the next script run, outside the queues above. Until that run is
// over, «Gemmer …» shows and the green status is hidden; when the server does not answer, the pill turns
// red as for our own fields (a tester: «✔ Alt er gemt» stayed green over a hung server after such a
// change). A change that starts no run (the same date chosen again) is let go once the server's health
// check answers.
if (!window.__bbNativeHooked) {
  window.__bbNativeHooked = true;
  const OURS = '.bb-text, .bb-choice, .bbg, .bb-conflict, #bb-pending';
  const NATIVE = '[data-testid="stMain"], [data-testid="stSidebar"]';
  let ran = false, timer = null;
  const state = () => { const a = document.querySelector('[data-testid="stApp"]'); return a && a.dataset.testScriptState; };
  const done = () => {
    BB.native = 0; ran = false;
    if (timer) { clearTimeout(timer); timer = null; }
    bbStatus('idle');
  };
  new MutationObserver(() => {
    if (!BB.native) return;
    const s = state();
    if (s && s !== 'notRunning') ran = true;
    else if (ran) done();   // the run that carried the change is over: the status is the server's again
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-test-script-state'] });
  const check = (again) => {   // no run began: does the change need none, or does the server not answer?
    timer = null;
    if (!BB.native || ran) return;
    const ctl = new AbortController();
    const stop = setTimeout(() => ctl.abort(), 4000);
    fetch(window.location.origin + '/_stcore/health', { signal: ctl.signal, cache: 'no-store' })
      .then((r) => {
        clearTimeout(stop);
        if (!r.ok || !BB.native || ran) return;
        if (again) done(); else timer = setTimeout(() => check(true), 1500);
      })
      .catch(() => { timer = setTimeout(() => check(again), 1000); });   // no answer: still waiting (red at 6 s)
  };
  const began = () => {
    BB.native = BB.native || Date.now();
    ran = false;
    bbStatus('saving');
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => check(false), 1500);
  };
  const ours = (t) => !t || !t.closest || t.closest(OURS);
  document.addEventListener('change', (e) => {
    const t = e.target;
    if (ours(t) || !t.closest(NATIVE) || !t.matches('input, textarea, select')) return;
    began();
  }, true);
  document.addEventListener('click', (e) => {
    const t = e.target;
    if (ours(t)) return;
    const b = t.closest('[data-testid="stButton"] button, [data-baseweb="calendar"] [role="gridcell"], '
                        + '[data-baseweb="popover"] [role="option"]');
    if (!b || b.disabled || b.getAttribute('aria-disabled') === 'true') return;
    if (b.matches('[data-testid="stButton"] button') && !b.closest(NATIVE)) return;
    began();
  }, true);
  // A date typed in Streamlit's date field (day, month, year) is taken only when the whole field is left (a
  // tester typed «11022026», pressed Enter and saw it shown, not stored, under «✔ Alt er gemt»): while it
  // is typed the pill says so, Enter leaves the field, and leaving it is a change like any other.
  const DATE = '[data-testid="stDateInput"]';
  // The date as the segments show it, when it does not exist («31.04.2025»: Streamlit's field makes it
  // 30.04.2025 when it is left — a tester found that stored without a word); null otherwise.
  const impossible = (field) => {
    const v = Array.from(field.querySelectorAll('[role="spinbutton"]')).map((x) => parseInt(x.getAttribute('aria-valuenow'), 10));
    if (v.length !== 3 || v.some((x) => !x)) return null;
    const [d, m, y] = v;
    return d > new Date(y, m, 0).getDate() ? `${String(d).padStart(2, '0')}.${String(m).padStart(2, '0')}.${y}` : null;
  };
  const warn = (text) => {
    BB.dateWarning = text;
    bbStatus('saving');
    const p = document.getElementById('bb-pending');
    p.dataset.state = 'slow';
    p.textContent = text;
  };
  document.addEventListener('keydown', (e) => {
    const t = e.target;
    if (ours(t) || !t.closest || !t.closest(DATE) || !t.closest(NATIVE)) return;
    const edit = e.key.length === 1 || e.key === 'Backspace' || e.key === 'Delete' || e.key === 'ArrowUp'
      || e.key === 'ArrowDown';
    if (BB.dateWarning && edit) { BB.dateWarning = null; bbStatus('idle'); }   // the date is being corrected
    if (e.key === 'Enter') {
      // not the calendar (it opened on Enter and the date was not taken); on to the next field, as Tab out of
      // the date would go: the date is taken when the focus moves to another element (a blur alone does not)
      e.preventDefault();
      e.stopPropagation();
      const field = t.closest(DATE);
      const bad = impossible(field);
      if (bad) { warn(`Datoen ${bad} findes ikke — ret den; den er ikke gemt`); return; }
      setTimeout(() => { const n = bbNextFocusable(field); if (n) n.focus(); }, 0);
    } else if (edit) {
      BB.dateTyping = true;
      bbStatus('date');
    }
  }, true);
  document.addEventListener('focusout', (e) => {
    const field = e.target && e.target.closest && e.target.closest(DATE);
    if (!field || !BB.dateTyping) return;
    const to = e.relatedTarget;
    // leaving the day/month/year (also for the calendar button): the field makes an impossible date the
    // month's last day now; seen here first (capture), and said until the date is looked at again
    if (e.target.getAttribute('role') === 'spinbutton' && !(to && field.contains(to) && to.getAttribute('role') === 'spinbutton')) {
      const bad = impossible(field);
      if (bad) {
        const [d, m, y] = bad.split('.').map((x) => parseInt(x, 10));
        const last = `${String(new Date(y, m, 0).getDate()).padStart(2, '0')}.${String(m).padStart(2, '0')}.${y}`;
        setTimeout(() => warn(`Datoen ${bad} findes ikke; feltet har rettet den til ${last} — tjek datoen`), 0);
      }
    }
    if (to && field.contains(to)) return;
    BB.dateTyping = false;
    began();
  }, true);
  // A date the field itself refuses (outside the allowed years: its red message under the field) is not
  // stored: the pill says so, in red, while the message is there (a tester saw «✔ Alt er gemt» instead).
  setInterval(() => {
    // not while a date is being typed: its year passes through 0002, 0020, 0202 (refused on the way; the
    // CI-equivalent run caught the pill saying so in the middle of typing a good date)
    const a = document.activeElement;
    if (a && a.closest && a.closest(DATE)) return;
    const err = document.querySelector(`${NATIVE.split(',')[0]} [data-testid="stDateInputError"], [data-testid="stSidebar"] [data-testid="stDateInputError"]`);
    const p = document.getElementById('bb-pending');
    if (err && !BB.dateRefused) {
      BB.dateRefused = true;
      warn('Datoen er ikke gemt: den ligger uden for det tilladte — ret den (se under feltet)');
    } else if (!err && BB.dateRefused) {
      BB.dateRefused = false;
      if (p && BB.dateWarning && BB.dateWarning.startsWith('Datoen er ikke gemt')) { BB.dateWarning = null; bbStatus('idle'); }
    }
  }, 700);
  // A date being typed, or a change of Streamlit's own widgets not yet taken, lives only in this page:
  // closing or reloading it now asks first (a tester's typed date was gone after a reload).
  window.addEventListener('beforeunload', (e) => {
    if (BB.dateTyping || BB.native) { e.preventDefault(); e.returnValue = ''; }
  });
}

// The first element after `field` (not in it) that the keyboard can reach, in page order.
function bbNextFocusable(field) {
  const all = document.querySelectorAll('input, button, textarea, select, a[href], [tabindex]');
  for (const el of all) {
    if (field.contains(el) || !(field.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
    if (el.disabled || el.getAttribute('tabindex') === '-1' || el.type === 'hidden' || !el.getClientRects().length) continue;
    return el;
  }
  return null;
}

function bbEl(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) {
    if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) continue;
    e.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
  }
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

// A new quote's own id (its uid in the store): every save of it, by the live connection or by the
// closing page's beacons, edits that one quote (survey.interview.save_new_quote).
function bbNewId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16);   // without a secure context (http on a LAN address): a version-4 UUID by hand
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
}

// A debounced text field: sends its value ~1.2 s after the last keystroke, at once on blur, Enter
// (single line) and when the page is hidden. Never rewrites the text while it has focus or unsent edits.
function bbText(q, code, opts) {
  const multiline = !!opts.multiline;
  const box = bbEl(multiline ? 'textarea' : 'input', {
    class: 'bb-autotext', 'data-code': code, 'aria-label': opts.label || '', placeholder: opts.placeholder || '',
    maxlength: opts.maxlength || null, rows: multiline ? (opts.rows || 3) : null, type: multiline ? null : 'text',
    autocomplete: 'off', spellcheck: 'true', 'aria-required': opts.required ? 'true' : null,
  });
  const mine = q.mine(code, opts.acked);
  // what this tab typed and the server has not yet got; else a refused text (shown with its message, to be
  // corrected: a tester found it gone after leaving the section and coming back); else the store's value
  box.value = (mine !== undefined ? mine : (opts.rejected !== undefined && opts.rejected !== null ? opts.rejected
                                                                                                 : opts.value)) || '';
  if (opts.newquote && !box.value) delete q.drafts[code];  // drawn empty: a quote typed now is a new one
  let sent = box.value, timer = null, base = [opts.version || 0, opts.value === undefined ? null : opts.value];
  let chained = false;
  const flush = () => {
    if (timer) { clearTimeout(timer); timer = null; }
    q.typing = false;
    if (box.value === sent) { bbStatus('idle'); return; }
    sent = box.value;
    BB.lastFlush = Date.now();  // ui/clickguard.py: a navigation click at this moment waits a little
    const item = { code: code, value: box.value, base: base, chain: chained };
    if (opts.newquote) item.draft = (q.drafts[code] = q.drafts[code] || bbNewId());
    q.push(item);
    chained = true;
    if (opts.onSent) opts.onSent();
  };
  box.addEventListener('input', () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, opts.delay || 1200);
    q.typing = true;
    if (opts.onDirty) opts.onDirty();
  });
  box.addEventListener('blur', () => {
    flush();
    if (opts.newquote) {
      // the next text typed here is another quote: it gets its own id, also when this field was
      // emptied before it was left (a reviewer found the next quote written over the first)
      delete q.drafts[code];
      if (box.value.trim()) {   // the new quote is stored; the field is ready for the next
        q.push({ code: code, kind: 'done' });
        box.value = '';
        sent = '';
      }
    }
  });
  if (!multiline) box.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') flush(); });
  q.flushers.push(flush);
  box.__bbUpdate = function (value, version, acked) {
    // the server's answer: take it only when nothing typed here is unsent, and the data is newer
    // than the last change sent from here
    if (document.activeElement === box || timer || q.waiting(code) || !q.fresh(code, acked)) return;
    base = [version || 0, value];
    chained = false;
    if ((value || '') !== box.value) { box.value = value || ''; sent = box.value; }
  };
  box.__bbRebase = function (value, version) { base = [version || 0, value]; chained = false; };
  box.__bbFlush = flush;
  return box;
}

// «Ændret i en anden fane kl. 10:42: «Ja». Behold / Brug mit «Nej»» (issue 10): the interviewer sees both.
function bbConflicts(q, box, list) {
  box.innerHTML = '';
  if (!list || !list.length) { box.hidden = true; return; }
  box.hidden = false;
  list.forEach((c) => {
    const line = bbEl('div', { class: 'bb-conf-line', 'data-code': c.code });
    line.appendChild(bbEl('span', { class: 'bb-conf-text' }, c.text));
    const keep = bbEl('button', { type: 'button', class: 'bb-keep' }, 'Behold «' + c.theirs_label + '»');
    const mine = bbEl('button', { type: 'button', class: 'bb-mine' }, c.use_label || ('Brug mit «' + c.mine_label + '»'));
    keep.addEventListener('click', () => { q.push({ code: c.code, kind: 'keep', value: c.mine, base: [c.version, c.theirs] }); box.hidden = true; });
    mine.addEventListener('click', () => { q.push({ code: c.code, kind: 'resolve', value: c.mine, base: [c.version, c.theirs] }); box.hidden = true; });
    line.appendChild(keep);
    line.appendChild(mine);
    box.appendChild(line);
  });
}
