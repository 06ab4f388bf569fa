// Type-checks every dashboard in ../dashboards against Grafana's own schema types: each JSON
// becomes a TypeScript object literal typed as @grafana/schema's Dashboard, so a wrong field
// name, type or enum value is a compile error (object literals also reject unknown properties).
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const dir = new URL('../dashboards/', import.meta.url).pathname;
const out = new URL('./generated/', import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
mkdirSync(out);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
if (files.length === 0) throw new Error('no dashboards in ' + dir);
for (const f of files) {
  const json = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  writeFileSync(join(out, f.replace(/\.json$/, '.ts')),
    `import type { Dashboard } from '@grafana/schema';\nexport const dashboard: Dashboard = ${JSON.stringify(json, null, 2)};\n`);
}
execFileSync(join('node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { stdio: 'inherit' });
console.log(`schema check passed: ${files.length} dashboards`);
