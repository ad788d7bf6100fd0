// The demo's audit page: fills <sigwall-audit> with the key rotation `npm start` pushed (the
// baseline trusting key A, the candidate key B, the shop's images) and points it at the demo
// registry, so that one press of Audit shows what the rotation would break.
const config = await fetch('/site/demo-config.json').then((r) => (r.ok ? r.json() : null)).catch(() => null);
const audit = document.getElementById('audit');
await customElements.whenDefined('sigwall-audit');
if (config?.rotation) {
  audit.setAttribute('proxy', config.upstream);
  audit.setAttribute('lookaside', config.lookaside);
  audit.candidate = JSON.stringify(config.rotation.candidate, null, 2);
  audit.baseline = JSON.stringify(config.rotation.baseline, null, 2);
  audit.images = config.rotation.images;
  audit.registry = config.registry;
  audit.repository = 'shop/*';
} else {
  document.getElementById('no-demo').hidden = false;
}
document.body.dataset.ready = 'true';
