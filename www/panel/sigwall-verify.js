// <sigwall-verify>: a framework-free custom element that verifies one container image and shows
// the verdict: allowed or denied in words and colour, the digest and platform evaluated, the
// policy scope, each requirement with each signature, and the containers/image-style message.
//
//   <script type="module" src="…/sigwall-verify.js"></script>
//   <sigwall-verify image="registry.example/app:1.2" gate="https://gate.example"></sigwall-verify>
//
// Attributes: `image` (a docker reference), `gate` (a sigwall gate: the verdict is computed
// there, with the gate's policy, through its /_sigwall/verify endpoint; browsers cannot reach
// most registries directly), `policy` (URL of a policy.json for verifying in the browser when
// there is no gate; default: the policy compiled into the package), `platform` (os/arch[/variant]).
// Events: `sigwall-verdict` (detail: { image, verdict }) and `sigwall-error` (detail: { image,
// error }). Styling: CSS custom properties (--sigwall-allowed, --sigwall-denied, --sigwall-bg,
// --sigwall-fg, --sigwall-muted, --sigwall-font, --sigwall-radius) and ::part(panel | status |
// summary | details | requirement | signature | signer | copy | steps).
import { createVerifier } from 'sigwall';

const STYLE = `
:host { display: block; font-family: var(--sigwall-font, system-ui, sans-serif); color: var(--sigwall-fg, CanvasText); }
.panel { border: 1px solid var(--sigwall-muted, #8888); border-radius: var(--sigwall-radius, 8px); padding: 1em; background: var(--sigwall-bg, Canvas); min-width: 0; }
.status { font-weight: 700; font-size: 1.15em; display: flex; flex-wrap: wrap; align-items: center; gap: .5em; overflow-wrap: anywhere; }
.status[data-state="allowed"] { color: var(--sigwall-allowed, #17803d); }
.status[data-state="denied"], .status[data-state="error"] { color: var(--sigwall-denied, #b42318); }
.status[data-state="working"] { color: var(--sigwall-muted, #666); }
@media (prefers-color-scheme: dark) {
  .status[data-state="allowed"] { color: var(--sigwall-allowed, #4ade80); }
  .status[data-state="denied"], .status[data-state="error"] { color: var(--sigwall-denied, #f87171); }
  .status[data-state="working"] { color: var(--sigwall-muted, #aaa); }
}
.badge { display: inline-block; min-width: 1.2em; text-align: center; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2em .8em; margin: .8em 0; }
dt { color: var(--sigwall-muted, #666); }
dd { margin: 0; overflow-wrap: anywhere; font-family: ui-monospace, monospace; font-size: .9em; }
ol.steps { margin: .5em 0; padding-left: 1.4em; color: var(--sigwall-muted, #666); }
ol.steps li[aria-current="step"] { color: inherit; font-weight: 600; }
ul { padding-left: 1.2em; margin: .3em 0; }
.requirement { margin: .6em 0; }
.signature { margin: .3em 0; font-size: .92em; overflow-wrap: anywhere; }
.signer { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .1em .8em; margin: .3em 0 .3em 1em; }
.signer dt { color: var(--sigwall-muted, #555); }
.signer dd { margin: 0; overflow-wrap: anywhere; }
.signature .outcome-accepted { color: var(--sigwall-allowed, #17803d); font-weight: 600; }
.signature .outcome-rejected { color: var(--sigwall-denied, #b42318); font-weight: 600; }
.message { margin: .6em 0; font-family: ui-monospace, monospace; font-size: .88em; white-space: pre-wrap; overflow-wrap: anywhere; }
.requirement strong { overflow-wrap: anywhere; }
button { font: inherit; padding: .3em .8em; border-radius: 6px; border: 1px solid var(--sigwall-muted, #8888); background: transparent; color: inherit; cursor: pointer; }
button:focus-visible { outline: 2px solid Highlight; outline-offset: 2px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

const STEPS = [
  ['manifest', 'Resolving the image'],
  ['signatures', 'Fetching signatures'],
  ['verifying', 'Verifying'],
];

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'part' || k.startsWith('aria-') || k.startsWith('data-') || k === 'role' || k === 'class') node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

/** Verifiers by policy URL ('' for the embedded policy), shared by every panel on the page: a
 * policy is fetched and parsed once, not once per image. A failed load is not kept. */
const verifiers = new Map();

function verifierFor(policyUrl) {
  let v = verifiers.get(policyUrl);
  if (v === undefined) {
    v = (async () => {
      if (!policyUrl) return createVerifier();
      const res = await fetch(new URL(policyUrl, document.baseURI));
      if (!res.ok) throw new Error(`cannot load the policy ${policyUrl}: ${res.status}`);
      return createVerifier({ policy: await res.text() });
    })();
    v.catch(() => verifiers.delete(policyUrl));
    verifiers.set(policyUrl, v);
  }
  return v;
}

function platformOf(text) {
  if (!text) return undefined;
  const [os, architecture, variant] = text.split('/');
  return { os, architecture, ...(variant ? { variant } : {}) };
}

export class SigwallVerify extends HTMLElement {
  static observedAttributes = ['image', 'gate', 'policy', 'platform'];

  #root;
  #run = 0;
  #abort = null;
  #verdict = null;
  #scheduled = false;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    this.#root.append(el('style', { textContent: STYLE }));
    this.#root.append(el('div', { part: 'panel', class: 'panel', role: 'region', 'aria-label': 'Image verification' }));
  }

  /** The last verdict shown, or null. */
  get verdict() {
    return this.#verdict;
  }

  connectedCallback() {
    this.#schedule();
  }

  disconnectedCallback() {
    this.#abort?.abort();
  }

  attributeChangedCallback(_name, old, value) {
    if (old !== value && this.isConnected) this.#schedule();
  }

  /** Verifies again (e.g. after the image was pushed anew). */
  refresh() {
    this.#schedule();
  }

  /** One verification for any number of attribute changes made together. */
  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#verify();
    });
  }

  get #panel() {
    return this.#root.querySelector('.panel');
  }

  async #verify() {
    const image = this.getAttribute('image')?.trim();
    const run = ++this.#run;
    this.#abort?.abort();
    if (!image) {
      this.#panel.replaceChildren(el('p', { class: 'status', part: 'status', 'data-state': 'idle', textContent: 'No image to verify yet.' }));
      return;
    }
    const abort = new AbortController();
    this.#abort = abort;
    const steps = el('ol', { class: 'steps', part: 'steps', 'aria-label': 'Progress' },
      STEPS.map(([key, label]) => el('li', { 'data-step': key, textContent: label })));
    const live = el('p', { class: 'status', part: 'status', 'data-state': 'working', role: 'status', 'aria-live': 'polite' },
      el('span', { class: 'badge', 'aria-hidden': 'true', textContent: '…' }), `Verifying ${image}`);
    this.#panel.replaceChildren(live, steps);
    this.setAttribute('aria-busy', 'true');
    const mark = (step) => {
      for (const li of steps.children) {
        if (li.dataset.step === step) li.setAttribute('aria-current', 'step');
        else li.removeAttribute('aria-current');
      }
    };
    try {
      const verdict = await this.#obtain(image, abort.signal, mark);
      if (run !== this.#run) return;
      this.#verdict = verdict;
      this.#render(image, verdict);
      this.dispatchEvent(new CustomEvent('sigwall-verdict', { bubbles: true, composed: true, detail: { image, verdict } }));
    } catch (error) {
      if (run !== this.#run || abort.signal.aborted) return;
      this.#verdict = null;
      this.#panel.replaceChildren(
        el('p', { class: 'status', part: 'status', 'data-state': 'error', role: 'alert' },
          el('span', { class: 'badge', 'aria-hidden': 'true', textContent: '✕' }), `Could not verify ${image}`),
        el('p', { class: 'message', textContent: `${error?.code ? `${error.code}: ` : ''}${error?.message ?? error}` }),
      );
      this.dispatchEvent(new CustomEvent('sigwall-error', { bubbles: true, composed: true, detail: { image, error } }));
    } finally {
      if (run === this.#run) this.removeAttribute('aria-busy');
    }
  }

  /** The verdict: from the gate when there is one, else verified here. */
  async #obtain(image, signal, mark) {
    const gate = this.getAttribute('gate');
    const platform = this.getAttribute('platform') || undefined;
    if (gate) {
      mark('verifying');
      const url = new URL('/_sigwall/verify', gate);
      url.searchParams.set('image', image);
      if (platform) url.searchParams.set('platform', platform);
      const res = await fetch(url, { signal });
      const body = await res.json().catch(() => null);
      if (!res.ok || body === null || typeof body.allowed !== 'boolean') {
        const e = new Error(body?.errors?.[0]?.message ?? `the gate answered ${res.status}`);
        e.code = body?.errors?.[0]?.code;
        throw e;
      }
      return body;
    }
    const policyUrl = this.getAttribute('policy') || '';
    mark('manifest');
    const verifier = await verifierFor(policyUrl);
    return verifier.verify(image.includes('://') ? image : `docker://${image}`, {
      signal,
      platform: platformOf(platform),
      onProgress: (p) => mark(p.step === 'blob' ? 'signatures' : p.step),
    });
  }

  #render(image, v) {
    const allowed = v.allowed;
    const status = el('p', { class: 'status', part: 'status', 'data-state': allowed ? 'allowed' : 'denied', role: 'status', 'aria-live': 'polite' },
      el('span', { class: 'badge', 'aria-hidden': 'true', textContent: allowed ? '✓' : '✕' }),
      `${allowed ? 'Allowed' : 'Denied'}: ${image}`);
    const facts = el('dl', { part: 'summary' },
      el('dt', { textContent: 'Digest evaluated' }), el('dd', { textContent: v.digest ?? '—' }),
      el('dt', { textContent: 'Platform' }), el('dd', { textContent: this.getAttribute('platform') || 'linux/amd64' }),
      el('dt', { textContent: 'Policy scope' }), el('dd', { textContent: v.scope === '' ? '"" (transport default)' : v.scope }));
    const requirements = el('div', { part: 'details' },
      v.requirements.map((r) => el('section', { class: 'requirement', part: 'requirement', 'aria-label': `Requirement ${r.type}` },
        el('strong', { textContent: `${r.type}: ${r.allowed ? 'satisfied' : 'not satisfied'}` }),
        r.signatures.length === 0 ? el('p', { class: 'signature', textContent: 'No signatures.' }) : el('ul', {},
          r.signatures.map((s) => el('li', { class: 'signature', part: 'signature' },
            `${s.format} signature (${s.source}): `,
            el('span', { class: `outcome-${s.outcome}`, textContent: s.outcome }),
            s.key ? `, key ${s.key}` : '',
            s.identity ? `, identity ${s.identity}` : '',
            s.code ? ` [${s.code}]` : '',
            s.signer ? signerView(s.signer) : null,
            s.message ? el('div', { class: 'message', textContent: s.message }) : null))))));
    const message = v.reasons.length
      ? el('p', { class: 'message', textContent: v.reasons.map((r) => r.message).join('\n') })
      : null;
    const copy = el('button', { part: 'copy', type: 'button', textContent: 'Copy verdict JSON' });
    const copied = el('span', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(JSON.stringify(v, null, 2));
        copied.textContent = 'Verdict copied';
      } catch {
        copied.textContent = 'Could not copy';
      }
    });
    this.#panel.replaceChildren(...[status, facts, requirements, message, el('p', {}, copy, copied)].filter(Boolean));
  }
}

/** Who a keyless signature's certificate names, and the log entry and timestamps that dated it. */
function signerView(signer) {
  const when = (t) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  const rows = [
    ['Signed by', signer.identities.length ? signer.identities.join(', ') : 'a key (no certificate identity)'],
    signer.issuer ? ['OIDC issuer', signer.issuer] : null,
    signer.log ? ['Transparency log', `${signer.log.id.slice(0, 16)}…, entry ${signer.log.index}${signer.log.integratedTime === null ? '' : `, integrated ${when(signer.log.integratedTime)}`}`] : null,
    ...signer.timestamps.map((t) => ['Timestamp', `${when(t.time)} by ${t.authority}`]),
  ].filter(Boolean);
  return el('dl', { class: 'signer', part: 'signer' }, rows.flatMap(([k, v]) => [el('dt', { textContent: k }), el('dd', { textContent: v })]));
}

if (!customElements.get('sigwall-verify')) customElements.define('sigwall-verify', SigwallVerify);
