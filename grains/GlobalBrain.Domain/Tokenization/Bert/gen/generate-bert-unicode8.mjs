#!/usr/bin/env node
// Writes ../BertUnicode8Data.cs (grains/GlobalBrain.Domain/Tokenization/Bert): the Unicode 8.0.0 tables that
// HuggingFace's tokenizers use for BERT. HF's BertNormalizer (is_control = is_other: Cc, Cf, Co; strip_accents
// drops is_mark_nonspacing: Mn) and BertPreTokenizer (is_punctuation: Pc, Pd, Ps, Pe, Pi, Po, Pf) call the `unicode_categories` 0.1.1
// crate, whose tables were generated from UnicodeData.txt 8.0.0; `bert` must use the same version,
// not the newer one .NET ships.
//
// Source: the npm package unicode-8.0.0@0.7.5 (Mathias Bynens' arrays of code points per General_Category
// and binary property, generated from the UCD 8.0.0 files). It is fetched with `npm pack` into a temp
// folder and never committed.
//
//   node grains/GlobalBrain.Domain/Tokenization/Bert/gen/generate-bert-unicode8.mjs           rewrite the C# file
//   node grains/GlobalBrain.Domain/Tokenization/Bert/gen/generate-bert-unicode8.mjs --check   exit 1 if the committed file differs
//   node grains/GlobalBrain.Domain/Tokenization/Bert/gen/generate-bert-unicode8.mjs --package DIR   use an unpacked package at DIR
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PackageName = 'unicode-8.0.0';
const PackageVersion = '0.7.5';
// The tarball this table was generated from; another one (a republished package) is refused.
const TarballSha256 = '40a4a583f46756920fa951ddf3047c9ca24c7d0b22ae4b175a0cf518b61a38d8';
const Target = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'BertUnicode8Data.cs');
const Script = 'grains/GlobalBrain.Domain/Tokenization/Bert/gen/generate-bert-unicode8.mjs';

const args = process.argv.slice(2);
const check = args.includes('--check');
const packageAt = args.indexOf('--package');

let packageDir;
let tarballSha256 = null;
let temp = null;
if (packageAt >= 0) {
  packageDir = resolve(args[packageAt + 1]);
} else {
  temp = mkdtempSync(join(tmpdir(), 'unicode8-'));
  execFileSync('npm', ['pack', `${PackageName}@${PackageVersion}`, '--silent'], { cwd: temp, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(temp, `${PackageName}-${PackageVersion}.tgz`);
  tarballSha256 = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  if (tarballSha256 !== TarballSha256) {
    console.error(`${PackageName}-${PackageVersion}.tgz has SHA-256 ${tarballSha256}, expected ${TarballSha256}`);
    process.exit(2);
  }
  execFileSync('tar', ['xzf', tarball], { cwd: temp });
  packageDir = join(temp, 'package');
}

const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
if (pkg.name !== PackageName || pkg.version !== PackageVersion) {
  console.error(`expected ${PackageName}@${PackageVersion} at ${packageDir}, found ${pkg.name}@${pkg.version}`);
  process.exit(2);
}

const require = createRequire(join(packageDir, 'index.js'));
const codePoints = (property) => require(join(packageDir, property, 'code-points.js'));

/** Sorted, merged [start, end] ranges of the union of the given properties' code points. */
function ranges(...properties) {
  const all = new Set();
  for (const p of properties) {
    for (const cp of codePoints(p)) all.add(cp);
  }
  const sorted = [...all].sort((a, b) => a - b);
  const out = [];
  for (const cp of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === cp - 1) last[1] = cp;
    else out.push([cp, cp]);
  }
  return out;
}

const tables = [
  ['Other', 'Cc, Cf, Co: unicode_categories is_other(), which HF\'s is_control calls (Cn and Cs are not in it)',
    ranges('General_Category/Control', 'General_Category/Format', 'General_Category/Private_Use')],
  ['Punctuation', 'Pc, Pd, Ps, Pe, Pi, Pf, Po: unicode_categories is_punctuation()',
    ranges('General_Category/Connector_Punctuation', 'General_Category/Dash_Punctuation', 'General_Category/Open_Punctuation',
      'General_Category/Close_Punctuation', 'General_Category/Initial_Punctuation', 'General_Category/Final_Punctuation',
      'General_Category/Other_Punctuation')],
  ['NonspacingMark', 'Mn: unicode_categories is_mark_nonspacing(), which strip_accents drops after NFD',
    ranges('General_Category/Nonspacing_Mark')],
  ['WhiteSpace', 'the White_Space property (Rust\'s char::is_whitespace; unchanged since Unicode 6.3)',
    ranges('Binary_Property/White_Space')],
  ['Assigned', 'every code point whose category is not Cn (for the consistency test against .NET\'s newer tables)',
    invert(ranges('General_Category/Unassigned'))],
];

function invert(rs) {
  const out = [];
  let next = 0;
  for (const [s, e] of rs) {
    if (s > next) out.push([next, s - 1]);
    next = e + 1;
  }
  if (next <= 0x10FFFF) out.push([next, 0x10FFFF]);
  return out;
}

const hex = (n) => '0x' + n.toString(16).toUpperCase().padStart(4, '0');
// The canonical text the checksum covers; BertUnicode8DataTests recomputes it from the arrays.
const canonical = tables.map(([name, , rs]) => `${name}:${rs.map(([s, e]) => `${s.toString(16)}-${e.toString(16)}`).join(',')}`).join(';');
const checksum = createHash('sha256').update(canonical, 'utf8').digest('hex');

let cs = `// <auto-generated>
// Generated by ${Script} from the npm package ${PackageName}@${PackageVersion}
// (Unicode Character Database 8.0.0). Do not edit: run the script again.
// </auto-generated>
namespace GlobalBrain.Domain.Tokenization.Bert;

/// <summary>
/// The Unicode 8.0.0 character sets HuggingFace's BERT normalizer and pre-tokenizer use (through the
/// unicode_categories 0.1.1 crate), as inclusive [start, end] pairs of code points, sorted and merged.
/// </summary>
internal static class BertUnicode8Data
{
    /// <summary>SHA-256 of the ranges in the generator's canonical text form; the tests recompute it.</summary>
    public const string Checksum = "${checksum}";
`;
for (const [name, doc, rs] of tables) {
  cs += `
    /// <summary>${doc.replace(/&/g, '&amp;').replace(/</g, '&lt;')}: ${rs.length} ranges.</summary>
    public static ReadOnlySpan<int> ${name} =>
    [
`;
  for (let i = 0; i < rs.length; i += 4) {
    cs += '        ' + rs.slice(i, i + 4).map(([s, e]) => `${hex(s)}, ${hex(e)},`).join(' ') + '\n';
  }
  cs += '    ];\n';
}
cs += '}\n';

if (temp) rmSync(temp, { recursive: true, force: true });

if (check) {
  const current = existsSync(Target) ? readFileSync(Target, 'utf8') : '';
  if (current !== cs) {
    console.error(`${Target} differs from what ${PackageName}@${PackageVersion} gives: run node ${Script}`);
    process.exit(1);
  }
  console.log(`${Target} is up to date (${checksum})`);
} else {
  writeFileSync(Target, cs);
  console.log(`wrote ${Target}: ${tables.map(([n, , rs]) => `${n} ${rs.length} ranges`).join(', ')}${tarballSha256 ? `; tarball sha256 ${tarballSha256}` : ''}`);
}
