import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The repository carries its own reference (docs/): a fresh clone has nothing beside it, so no
// file may point outside it, and every relative link of the README and docs/ must resolve.
// (docs-reference.test.ts holds the configuration and error tables to the code.)

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Tracked and new (not ignored) files: what a commit would carry. */
function repoFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root });
  return out
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .filter((f) => existsSync(join(root, f)) && statSync(join(root, f)).isFile());
}

const TEXT = /\.(md|ts|js|mjs|cjs|json|ya?ml|html|css|lua|sh|txt|example)$|(^|\/)(Dockerfile|run|\.env\.example|\.gitignore|\.dockerignore)$/;
// Spelled in pieces so this file does not match itself.
const OUTSIDE = [new RegExp(['\\.\\.', 'shared'].join('/')), new RegExp(['CONTRACT', 'md'].join('\\.'))];

/** Markdown links and images: [text](target) and <a href="target">. */
function links(markdown: string): string[] {
  const found: string[] = [];
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  for (const m of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) found.push(m[1]);
  for (const m of withoutCode.matchAll(/href="([^"]+)"/g)) found.push(m[1]);
  return found;
}

describe('docs', () => {
  const files = repoFiles();

  it('nothing in the repository points outside it', () => {
    const offenders: string[] = [];
    for (const f of files.filter((x) => TEXT.test(x) && x !== 'package-lock.json')) {
      const text = readFileSync(join(root, f), 'utf8');
      for (const re of OUTSIDE) if (re.test(text)) offenders.push(`${f}: ${re.source}`);
    }
    expect(offenders).toEqual([]);
  });

  it('every relative link of the README and docs/ resolves inside the repository without climbing out of its folder', () => {
    const pages = files.filter((f) => f === 'README.md' || /^docs\/.*\.md$/.test(f) || /^(client|examples\/[^/]+)\/README\.md$/.test(f));
    expect(pages).toContain('docs/configuration.md');
    const broken: string[] = [];
    for (const page of pages) {
      for (const link of links(readFileSync(join(root, page), 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('#')) continue; // absolute URLs, same-page anchors
        const target = resolve(root, dirname(page), decodeURIComponent(link.split('#')[0]));
        const inside = !relative(root, target).startsWith('..');
        // No link climbs with '..' either: to a checker reading the page alone it points outside
        // the repository. A page names a file above its folder in text instead.
        const climbs = link.split(/[/#]/).includes('..');
        if (!inside || climbs || !existsSync(target)) broken.push(`${page}: ${link}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the README links every page of docs/', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const missing = files.filter((f) => /^docs\/[^/]+\.md$/.test(f)).filter((f) => !readme.includes(`(${f})`));
    expect(missing).toEqual([]);
  });
});
