// The digest corpus (fixtures/digest/cases.json) run against the sigwall package's public API.
// Runtime-independent: the same file runs in Node, Deno, workerd and Chromium, each with the
// package imported by its name. Returns one result per case: { name, ok, detail }.

const enc = new TextEncoder();
const inputOf = (c) => c.input + (c.repeat ? c.tail.repeat(c.repeat) : '');
const short = (s) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

function outcome(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    return { code: e?.code ?? `<no code: ${e}>`, error: e };
  }
}

function judge(name, got, want, extra = () => null) {
  const ok = want.code !== undefined
    ? got.code === want.code && got.error instanceof Error && got.error.name !== 'RuntimeError'
    : got.value === want.value;
  const problem = ok ? extra(got) : `got ${JSON.stringify(got.value ?? got.code)}, want ${JSON.stringify(want.value ?? want.code)}`;
  return { name, ok: problem === null, detail: problem };
}

/** Collects a stream fully; resolves with { bytes, error }. */
async function drain(readable) {
  const parts = [];
  let error = null;
  try {
    for await (const chunk of readable) parts.push(chunk);
  } catch (e) {
    error = e;
  }
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { bytes.set(p, at); at += p.length; }
  return { bytes, error };
}

function streamOf(chunks) {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
}

export async function runCorpus(sigwall, cases) {
  const { digest, createHasher, createVerifier, SigwallError } = sigwall;
  const results = [];
  for (const c of cases.parse) {
    // The package validates digests through blobGuard; a valid one must construct, an invalid
    // one must throw the corpus' code.
    const verifier = await createVerifier();
    const got = outcome(() => (verifier.blobGuard(inputOf(c)), inputOf(c)));
    results.push(judge(`parse ${short(inputOf(c))}`, got, c.code ? { code: c.code } : { value: c.ok }));
  }
  for (const c of cases.compute) {
    const bytes = enc.encode(inputOf(c));
    const want = c.code ? { code: c.code } : { value: c.digest };
    results.push(judge(`digest ${c.algorithm} ${short(inputOf(c))}`, outcome(() => digest(bytes, c.algorithm)), want));
    // The same through the incremental hasher, fed in uneven parts.
    const streamed = outcome(() => {
      const h = createHasher(c.algorithm);
      for (let at = 0; at < bytes.length; at += 7777) h.update(bytes.subarray(at, at + 7777));
      return h.digest();
    });
    results.push(judge(`createHasher ${c.algorithm} ${short(inputOf(c))}`, streamed, want));
  }
  const verifier = await createVerifier();
  // Each case through blobGuard (a TransformStream piped to) and through guardBody (one stream
  // that reads the body itself): the same check, so the same outcome.
  const forms = {
    blobGuard: (c, chunks) => {
      const guard = verifier.blobGuard(c.digest, c.size === undefined ? undefined : { size: c.size });
      return () => streamOf(chunks).pipeThrough(guard);
    },
    guardBody: (c, chunks) => {
      const guarded = verifier.guardBody(streamOf(chunks), c.digest, c.size === undefined ? undefined : { size: c.size });
      return () => guarded;
    },
  };
  for (const c of cases.verify) for (const [form, make] of Object.entries(forms)) {
    const name = `${form}: ${c.name}`;
    const chunks = c.chunks.map((s) => enc.encode(s));
    const whole = enc.encode(c.chunks.join(''));
    let guard;
    try {
      guard = make(c, chunks);
    } catch (e) {
      const ok = c.failsAtChunk === -1 && e instanceof SigwallError && e.code === c.code;
      results.push({ name, ok, detail: ok ? null : `construction threw ${e?.code ?? e}` });
      continue;
    }
    if (c.failsAtChunk === -1) {
      results.push({ name, ok: false, detail: 'construction should have thrown' });
      continue;
    }
    const { bytes, error } = await drain(guard());
    let detail = null;
    if (c.ok) {
      if (error) detail = `errored: ${error.code ?? error}`;
      else if (bytes.length !== whole.length || bytes.some((b, i) => b !== whole[i])) detail = 'bytes changed in transit';
    } else {
      if (!(error instanceof SigwallError) || error.code !== c.code) detail = `want ${c.code}, got ${error?.code ?? error ?? 'success'}`;
      // The consumer never receives the complete content of a bad body.
      else if (whole.length > 0 && bytes.length >= whole.length) detail = `released all ${bytes.length} bytes of a bad body`;
    }
    results.push({ name, ok: detail === null, detail });
  }
  return results;
}

/** Garbage through every exported function: each call throws a SigwallError with a code. */
export async function runGarbage(sigwall) {
  const { digest, createVerifier, SigwallError } = sigwall;
  const results = [];
  const typed = (name, fn) => {
    let detail;
    try {
      fn();
      detail = 'did not throw';
    } catch (e) {
      detail = e instanceof SigwallError && typeof e.code === 'string' && /^[A-Z_]+$/.test(e.code) ? null : `threw ${e?.name}: ${e?.message ?? e}`;
    }
    results.push({ name, ok: detail === null, detail });
  };
  const junk = [undefined, null, 0, -1, NaN, '', 'abc', {}, [], [1, 2], () => 1, Symbol('x'), 10n, true];
  for (const j of junk) {
    if (j instanceof Array && j.length === 0) continue;
    typed(`digest(${String(j?.toString?.() ?? j)})`, () => digest(j));
    typed(`digest(bytes, ${String(j?.toString?.() ?? j)})`, () => digest(new Uint8Array(3), j === undefined ? 'md5' : j));
  }
  for (const j of junk) {
    typed(`createHasher(${String(j?.toString?.() ?? j)})`, () => sigwall.createHasher(j === undefined ? 'sha1' : j));
    typed(`hasher.update(${String(j?.toString?.() ?? j)})`, () => sigwall.createHasher().update(j));
  }
  typed('hasher.digest() twice', () => { const h = sigwall.createHasher(); h.digest(); h.digest(); });
  typed('hasher.update() after digest()', () => { const h = sigwall.createHasher(); h.digest(); h.update(new Uint8Array(1)); });
  typed('digest(bytes, huge algorithm)', () => digest(new Uint8Array(1), 'x'.repeat(1 << 20)));
  const v = await createVerifier();
  for (const j of junk) typed(`blobGuard(${String(j?.toString?.() ?? j)})`, () => v.blobGuard(j));
  typed('blobGuard(huge digest)', () => v.blobGuard(`sha256:${'a'.repeat(1 << 22)}`));
  typed('blobGuard("\\u0000")', () => v.blobGuard('\u0000'));
  const good = digest(new Uint8Array(0));
  for (const size of [-1, 1.5, NaN, Infinity, '3', 2 ** 60, null]) {
    typed(`blobGuard(good, { size: ${String(size)} })`, () => v.blobGuard(good, { size }));
  }
  typed('blobGuard(good, 5)', () => v.blobGuard(good, 5));
  for (const j of junk) {
    typed(`guardBody(${String(j?.toString?.() ?? j)}, good)`, () => v.guardBody(j, good));
    typed(`guardBody(stream, ${String(j?.toString?.() ?? j)})`, () => v.guardBody(streamOf([]), j));
  }
  const locked = streamOf([]);
  locked.getReader();
  typed('guardBody(a locked stream, good)', () => v.guardBody(locked, good));
  for (const idleTimeout of [0, -1, NaN, Infinity, '5', null]) {
    typed(`guardBody(stream, good, { idleTimeout: ${String(idleTimeout)} })`, () => v.guardBody(streamOf([]), good, { idleTimeout }));
  }
  for (const chunk of ['text', 12, null, {}, [1, 2]]) {
    const { error } = await drain(streamOf([chunk]).pipeThrough(v.blobGuard(good)));
    const ok = error instanceof SigwallError && error.code === 'API_MISUSE';
    results.push({ name: `blobGuard chunk ${JSON.stringify(chunk)}`, ok, detail: ok ? null : `got ${error}` });
    const body = await drain(v.guardBody(streamOf([chunk]), good));
    const bodyOk = body.error instanceof SigwallError && body.error.code === 'API_MISUSE';
    results.push({ name: `guardBody chunk ${JSON.stringify(chunk)}`, ok: bodyOk, detail: bodyOk ? null : `got ${body.error}` });
  }
  for (const arg of [42, 'policy', null, true]) {
    let error = null;
    try { await createVerifier(arg); } catch (e) { error = e; }
    const ok = error instanceof SigwallError && error.code === 'API_MISUSE';
    results.push({ name: `createVerifier(${String(arg)})`, ok, detail: ok ? null : `got ${error ?? 'a verifier'}` });
  }
  // After all of that the module still works: nothing trapped.
  const abc = digest(new TextEncoder().encode('abc'));
  const alive = abc === 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  results.push({ name: 'module still works after garbage', ok: alive, detail: alive ? null : abc });
  return results;
}
