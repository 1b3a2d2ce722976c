/**
 * Does a WebAssembly backend win? (issue 7: "a WebAssembly backend … if measurements show it wins").
 *
 * The measurement behind that decision: the fused Rosenbrock gradient loop, the best case for a
 * backend (one pass, everything in registers), written once in JavaScript and once as a
 * WebAssembly module emitted byte by byte here (no toolchain, as a backend would), both on the same
 * n = 10^6 data, both zeroing g first, timed against the plain-JS primal like every bench row.
 * The sum stays serial in both (bit-identity forbids reassociating it), which is also what keeps
 * SIMD from helping this loop.
 *
 * Run: `pnpm bench:wasm` (or `npx tsx --conditions=@wengert/source tools/bench/src/wasm-probe.ts`).
 */
import { FULL_TIMING, measure } from './harness.js';
import * as rosen from './problems/rosenbrock.js';

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function f64const(v: number): number[] {
  const b = new Uint8Array(new Float64Array([v]).buffer);
  return [0x44, ...b];
}

/** A module importing memory "m.mem" and exporting grad(x, g, n) -> f (byte offsets x, g). */
function rosenbrockModule(pages: number): Uint8Array {
  // locals after the 3 params: 4 i (i32), 5 addr (i32), 6 a, 7 b, 8 t, 9 u, 10 f (f64)
  const [X, G, N, I, ADDR, A, B, T, U, F] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const get = (l: number) => [0x20, l];
  const set = (l: number) => [0x21, l];
  const load = (offset: number) => [0x2b, 3, ...uleb(offset)];
  const store = (offset: number) => [0x39, 3, ...uleb(offset)];
  // biome-ignore format: one wasm instruction (or a short sequence) per line reads like the text format
  const body = [
    ...f64const(0), ...set(F),
    0x41, 0, ...set(I),
    0x02, 0x40, // block
    0x03, 0x40, // loop
    ...get(I), ...get(N), 0x41, 1, 0x6b, 0x4e, 0x0d, 1, // if (i >= n - 1) break
    ...get(I), 0x41, 3, 0x74, ...set(ADDR), // addr = i << 3
    ...get(X), ...get(ADDR), 0x6a, ...load(0), ...set(A),
    ...get(X), ...get(ADDR), 0x6a, ...load(8), ...set(B),
    ...get(B), ...get(A), ...get(A), 0xa2, 0xa1, ...set(T), // t = b - a*a
    ...f64const(1), ...get(A), 0xa1, ...set(U), // u = 1 - a
    ...get(F), ...f64const(100), ...get(T), 0xa2, ...get(T), 0xa2, ...get(U), ...get(U), 0xa2, 0xa0, 0xa0, ...set(F),
    // g[i] += -400 t a - 2 u
    ...get(G), ...get(ADDR), 0x6a,
    ...get(G), ...get(ADDR), 0x6a, ...load(0),
    ...f64const(-400), ...get(T), 0xa2, ...get(A), 0xa2, 0xa0,
    ...f64const(2), ...get(U), 0xa2, 0xa1,
    ...store(0),
    // g[i + 1] += 200 t
    ...get(G), ...get(ADDR), 0x6a,
    ...get(G), ...get(ADDR), 0x6a, ...load(8), ...f64const(200), ...get(T), 0xa2, 0xa0,
    ...store(8),
    ...get(I), 0x41, 1, 0x6a, ...set(I),
    0x0c, 0, // br loop
    0x0b, 0x0b, // end loop, end block
    ...get(F),
    0x0b,
  ];
  const locals = [2, 2, 0x7f, 5, 0x7c]; // 2 groups: 2 × i32, 5 × f64
  const func = [...locals, ...body];
  const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
  const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  // biome-ignore format: the module's sections, one per line
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7c]), // type: (i32 i32 i32) -> f64
    ...section(2, [1, ...name('m'), ...name('mem'), 0x02, 0x00, ...uleb(pages)]), // import memory
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, ...name('grad'), 0x00, 0]), // export it
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

/** The same loop in JavaScript. */
function jsGradient(x: Float64Array, g: Float64Array): number {
  const n = x.length;
  g.fill(0);
  let f = 0;
  for (let i = 0; i < n - 1; i++) {
    const a = x[i]!;
    const b = x[i + 1]!;
    const t = b - a * a;
    const u = 1 - a;
    f += 100 * t * t + u * u;
    g[i] = g[i]! + (-400 * t * a - 2 * u);
    g[i + 1] = g[i + 1]! + 200 * t;
  }
  return f;
}

/** The slice of the WebAssembly API used here (the project's TS libs do not declare it). */
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const n = 1_000_000;
const bytes = 16 * n + 64;
const pages = Math.ceil(bytes / 65536);
const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
const wasm = new WebAssembly.Instance(new WebAssembly.Module(rosenbrockModule(pages)), { m: { mem: memory } });
const grad = (wasm.exports as { grad: (x: number, g: number, n: number) => number }).grad;
const xw = new Float64Array(memory.buffer, 0, n);
const gw = new Float64Array(memory.buffer, 8 * n, n);
const x0 = rosen.startPoint(n);
xw.set(x0);
const gj = new Float64Array(n);

const fj = jsGradient(x0, gj);
gw.fill(0);
const fw = grad(0, 8 * n, n);
let worst = 0;
for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(gw[i]! - gj[i]!));
console.log(`check: f ${fj} (js) vs ${fw} (wasm), max |g_js − g_wasm| = ${worst}`);

const base = measure(() => rosen.primal(x0), FULL_TIMING);
const tj = measure(() => jsGradient(x0, gj), FULL_TIMING);
const tw = measure(() => {
  gw.fill(0);
  return grad(0, 8 * n, n);
}, FULL_TIMING);
console.log(`plain-JS primal ${base.ms.toPrecision(3)} ms`);
console.log(`fused gradient, JavaScript   ${tj.ms.toPrecision(3)} ms = ${(tj.ms / base.ms).toFixed(2)}× primal`);
console.log(`fused gradient, WebAssembly  ${tw.ms.toPrecision(3)} ms = ${(tw.ms / base.ms).toFixed(2)}× primal`);
