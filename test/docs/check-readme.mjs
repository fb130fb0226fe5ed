#!/usr/bin/env node
// Checks what the README promises a reader can copy (run by `npm run typecheck`, hence by `npm test` and CI):
//
// 1. Every ```ts / ```typescript block of README.md and bench/README.md compiles against the library's
//    source. Each block is written to .tmp/readme-snippets/ as a module of its own, with a tsconfig that
//    extends the repository's and maps `nest-sessions`, `nest-sessions/redis`, `/typeorm` and `/testing`
//    to lib/*.ts; then `tsc --noEmit` runs over them. A block that augments a module (`declare module`,
//    `declare global`) or imports a package whose types do (express-session) is compiled on its own,
//    since an augmentation retypes every other file of its program. There is no opt-out for TypeScript:
//    a fragment declares what it needs. Every other block must name its language (sh, json, hbs, text…):
//    that language is what keeps it out of the check.
// 2. Every relative link of README.md, bench/README.md and SECURITY.md points at a file that exists, and
//    its #anchor (if any) at a heading of that file, as GitHub makes heading ids.
// 3. README.md is at most 400 lines.
//
//   node test/docs/check-readme.mjs            (npm run test:readme)
//
// Errors name the document and line: `README.md:123: …`. Exit status 1 if anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, '.tmp/readme-snippets');
const SNIPPET_DOCS = ['README.md', 'bench/README.md'];
const LINK_DOCS = ['README.md', 'bench/README.md', 'SECURITY.md'];
const TS_LANGUAGES = new Set(['ts', 'typescript']);
const ENTRY_POINTS = { 'nest-sessions': 'lib/index.ts', 'nest-sessions/redis': 'lib/redis.ts', 'nest-sessions/typeorm': 'lib/typeorm.ts', 'nest-sessions/testing': 'lib/testing.ts' };

/** Packages whose types augment globals (express-session adds `session` to every Express request). */
const AUGMENTING_PACKAGES = ['express-session'];

/** A block that augments a module or global types retypes every file of its program: it is compiled on its own. */
function augmentsGlobals(code) {
  if (/^\s*declare\s+(module\s+['"]|global\b)/m.test(code)) return true;
  return AUGMENTING_PACKAGES.some((name) => new RegExp(`from\\s+['"]${name}['"]`).test(code));
}

const problems = [];
const problem = (doc, line, message) => problems.push(`${doc}:${line}: ${message}`);

/** Fenced code blocks: language, first content line (1-based), content with the fence's indentation removed. */
function codeBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, language] = open;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`).test(lines[j])) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
      j++;
    }
    blocks.push({ openLine: i + 1, firstLine: i + 2, endLine: j + 1, language: language.toLowerCase(), code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** The document's lines with fenced blocks blanked (line numbers kept), for link and heading scans. */
function proseLines(text) {
  const lines = text.split('\n');
  for (const block of codeBlocks(text)) for (let n = block.openLine - 1; n < block.endLine && n < lines.length; n++) lines[n] = '';
  return lines;
}

// ---------- 1. TypeScript blocks ----------

function checkSnippets() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const shared = [];
  const alone = [];
  const origin = new Map(); // file name -> { doc, firstLine }
  for (const doc of SNIPPET_DOCS) {
    const path = join(ROOT, doc);
    if (!existsSync(path)) continue;
    for (const block of codeBlocks(readFileSync(path, 'utf8'))) {
      if (!block.language) {
        problem(doc, block.openLine, 'a code block without a language: name it (ts blocks are type-checked; sh, json, hbs, text… are not)');
        continue;
      }
      if (!TS_LANGUAGES.has(block.language)) continue;
      const file = `${doc.replace(/[/.]/g, '_')}-L${block.firstLine}.ts`;
      // `export {}` makes every block a module of its own, so blocks cannot see or clash with each other's names.
      writeFileSync(join(OUT, file), `${block.code}\nexport {};\n`);
      origin.set(file, { doc, firstLine: block.firstLine });
      (augmentsGlobals(block.code) ? alone : shared).push(file);
    }
  }
  const groups = [shared, ...alone.map((file) => [file])].filter((group) => group.length);
  for (const [index, files] of groups.entries()) compile(`tsconfig.${index}.json`, files, origin);
  return origin.size;
}

function compile(configName, files, origin) {
  const fromOut = (path) => relative(OUT, join(ROOT, path)).split('\\').join('/');
  const config = {
    extends: fromOut('tsconfig.json'),
    compilerOptions: {
      noEmit: true,
      rootDir: fromOut('.'), // the snippets reach into lib/ through paths
      paths: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, path]) => [name, [fromOut(path)]])),
    },
    include: files,
    exclude: [],
  };
  writeFileSync(join(OUT, configName), `${JSON.stringify(config, null, 2)}\n`);
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(OUT, configName), '--pretty', 'false'], { cwd: ROOT, encoding: 'utf8' });
  if (tsc.status === 0) return;
  const output = `${tsc.stdout}${tsc.stderr}`.trim();
  let mapped = 0;
  for (const line of output.split('\n')) {
    const at = /^(.*?)\((\d+),(\d+)\): (error .*)$/.exec(line);
    const file = at && relative(OUT, resolve(ROOT, at[1]));
    const from = file && origin.get(file);
    if (from) {
      problem(from.doc, from.firstLine + Number(at[2]) - 1, `the ts block starting at line ${from.firstLine} does not compile: ${at[4]}`);
      mapped++;
    } else if (at || /^error/i.test(line)) {
      problems.push(`tsc (${configName}): ${line}`);
      mapped++;
    }
  }
  if (!mapped) problems.push(`tsc (${configName}) failed:\n${output || `exit status ${tsc.status}`}`);
}

// ---------- 2. Relative links ----------

/** GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2… */
function headingIds(path) {
  const ids = new Set();
  const seen = new Map();
  for (const line of proseLines(readFileSync(path, 'utf8'))) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
      .replace(/<[^>]+>/g, '') // inline HTML
      .replace(/`/g, '');
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    ids.add(count ? `${base}-${count}` : base);
  }
  return ids;
}

function checkLinks() {
  let count = 0;
  for (const doc of LINK_DOCS) {
    const path = join(ROOT, doc);
    if (!existsSync(path)) {
      problems.push(`${doc}: missing (its links are checked)`);
      continue;
    }
    const lines = proseLines(readFileSync(path, 'utf8'));
    for (const [index, raw] of lines.entries()) {
      const line = raw.replace(/(`+)[^`]*?\1/g, ''); // code spans are not links
      const targets = [...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), ...line.matchAll(/\bhref="([^"]+)"/g)].map((m) => m[1]);
      for (const target of targets) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:…
        count++;
        const [file, anchor] = target.split('#', 2);
        const resolved = file ? resolve(dirname(path), decodeURIComponent(file)) : path;
        const shown = relative(ROOT, resolved) || '.';
        if (!existsSync(resolved)) {
          problem(doc, index + 1, `broken link (${target}): ${shown} does not exist`);
          continue;
        }
        if (anchor === undefined) continue;
        if (!resolved.endsWith('.md') || statSync(resolved).isDirectory()) {
          problem(doc, index + 1, `broken link (${target}): an anchor into ${shown}, which is not a Markdown file`);
          continue;
        }
        const ids = headingIds(resolved);
        if (!ids.has(decodeURIComponent(anchor))) {
          problem(doc, index + 1, `broken link (${target}): ${shown} has no heading with the id "${anchor}"`);
        }
      }
    }
  }
  return count;
}

/** The README is for users: one page of at most README_MAX_LINES (issue 24); detail goes to the documents it links. */
const README_MAX_LINES = 400;
function checkLength() {
  const count = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\n$/, '').split('\n').length;
  if (count > README_MAX_LINES) {
    problems.push(`README.md: ${count} lines, over the ${README_MAX_LINES} it is kept to; move detail to a linked document (bench/README.md, SECURITY.md) or tighten`);
  }
  return count;
}

const started = Date.now();
const readmeLines = checkLength();
const links = checkLinks();
const snippets = checkSnippets();
if (problems.length) {
  console.error(`README check: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  console.error(`(the blocks as compiled are in ${relative(ROOT, OUT)}/)`);
  process.exit(1);
}
console.log(`README check: ${readmeLines} lines, ${snippets} TypeScript blocks compile, ${links} relative links resolve (${((Date.now() - started) / 1000).toFixed(1)} s)`);
