// The Node.js peers' harness: fast-jwt, jose and jsonwebtoken on the shared inputs, same protocol
// as bench/peers/peer_harness.h (read it for the files, the checks, the output and exit codes):
//
//   node harness.mjs IMPL ALG DIR SECONDS [cache]      IMPL: fast-jwt | jose | jsonwebtoken
//
// Each library's fastest documented path: a fast-jwt verifier created once (createVerifier), jose
// with a KeyObject made once and jwtVerify, jsonwebtoken with a
// KeyObject made once (createPublicKey / createSecretKey). "cache" exists for fast-jwt only
// (cache: true, its LRU of verified tokens). Exit 6: the library lacks the algorithm (row n/a).
import { createPublicKey, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'api.example';
const require = createRequire(import.meta.url);

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function readOne(path) {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  if (lines.length !== 1) throw new Error(`${path}: expected one token`);
  return lines[0];
}

// Returns [version, verify(token) -> Promise<boolean> | boolean, isAsync].
async function makeVerifier(impl, alg, keyBytes, cache) {
  const hmac = alg.startsWith('HS');
  if (impl === 'fast-jwt') {
    const { createVerifier } = require('fast-jwt');
    const v = createVerifier({
      key: hmac ? keyBytes : keyBytes.toString('utf8'),
      algorithms: [alg],
      allowedIss: ISSUER,
      allowedAud: AUDIENCE,
      cache: cache ? true : false,
    });
    return [require('fast-jwt/package.json').version, (t) => {
      try {
        v(t);
        return true;
      } catch {
        return false;
      }
    }, false];
  }
  if (cache) return null;
  if (impl === 'jose') {
    const jose = await import('jose');
    // A KeyObject made once (measured no slower than importSPKI's CryptoKey in jose 6 on Node 20).
    const key = hmac ? createSecretKey(keyBytes) : createPublicKey(keyBytes);
    const opts = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE };
    return [require('jose/package.json').version, async (t) => {
      try {
        await jose.jwtVerify(t, key, opts);
        return true;
      } catch {
        return false;
      }
    }, true];
  }
  if (impl === 'jsonwebtoken') {
    if (alg === 'EdDSA') return null;  // not in jsonwebtoken 9's algorithm list
    const jwt = require('jsonwebtoken');
    const key = hmac ? createSecretKey(keyBytes) : createPublicKey(keyBytes);
    const opts = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE };
    return [require('jsonwebtoken/package.json').version, (t) => {
      try {
        jwt.verify(t, key, opts);
        return true;
      } catch {
        return false;
      }
    }, false];
  }
  throw new Error(`unknown IMPL ${impl}`);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.length < 4 || args.length > 5 || (args.length === 5 && args[4] !== 'cache')) {
    process.stderr.write('usage: node harness.mjs IMPL ALG DIR SECONDS [cache]\n');
    return 2;
  }
  const [impl, alg, dir, secondsText] = args;
  const cache = args.length === 5;
  const seconds = Number(secondsText);
  if (!(seconds > 0 && seconds <= 3600)) {
    process.stderr.write('SECONDS must be a number in (0, 3600]\n');
    return 2;
  }
  const base = `${dir}/${alg}`;
  let keyBytes, tokens, bad;
  try {
    keyBytes = readFileSync(`${base}.key`);
    tokens = readFileSync(`${base}.tokens`, 'utf8').split('\n').filter((l) => l.length > 0);
    bad = ['tampered', 'wrong_aud', 'expired'].map((name) => [name, readOne(`${base}.${name}`)]);
  } catch (e) {
    process.stderr.write(`cannot read the inputs ${base}.*: ${e.message}\n`);
    return 3;
  }
  if (cache) tokens = tokens.slice(0, 1);
  let made;
  try {
    made = await makeVerifier(impl, alg, keyBytes, cache);
  } catch (e) {
    out({ impl, alg, error: `verifier not built: ${e.message}` });
    return 3;
  }
  if (made === null) {
    out({ impl, alg, unsupported: cache ? 'no verified-token cache' : `no ${alg}` });
    return 6;
  }
  const [version, verify, isAsync] = made;
  for (const t of tokens) {
    if (!(await verify(t))) {
      out({ impl, alg, void: 'a good token was rejected' });
      return 4;
    }
  }
  for (const [name, t] of bad) {
    if (await verify(t)) {
      out({ impl, alg, void: `the ${name} token was accepted` });
      return 4;
    }
  }
  // Verifies for |secs|, reading the clock every 64 tokens; returns [count, elapsed] or null.
  let i = 0;
  const loop = async (secs) => {
    const start = process.hrtime.bigint();
    const until = start + BigInt(Math.round(secs * 1e9));
    let done = 0;
    for (let now = start; now < until; now = process.hrtime.bigint()) {
      for (let k = 0; k < 64; ++k, ++done) {
        const ok = isAsync ? await verify(tokens[i]) : verify(tokens[i]);
        if (!ok) return null;
        if (++i === tokens.length) i = 0;
      }
    }
    return [done, Number(process.hrtime.bigint() - start) / 1e9];
  };
  const warmup = Math.max(seconds / 4, 0.5);  // peer_harness.h's warmup_seconds()
  const warm = await loop(warmup);
  const cpuStart = process.cpuUsage();  // the whole process: V8's GC threads count too
  const timed = warm && (await loop(seconds));
  const cpuUsed = process.cpuUsage(cpuStart);
  if (!timed) {
    out({ impl, alg, error: 'a good token was rejected while timed' });
    return 5;
  }
  const [count, elapsed] = timed;
  out({
    impl, version, alg, mode: cache ? 'cache' : 'verify',
    tokens_per_s: Math.round((count / elapsed) * 10) / 10, verified: count,
    seconds: Math.round(elapsed * 1000) / 1000,
    cpu_seconds: Math.round((cpuUsed.user + cpuUsed.system) / 1000) / 1000,
    distinct_tokens: tokens.length,
    runtime: `node ${process.versions.node}`,
  });
  return 0;
}

process.exitCode = await main();
