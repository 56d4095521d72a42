/** `npm run bench [-- NAME …]`: runs the named benchmarks (default all) and updates docs/BENCHMARKS.md. */
const ALL = ['startup', 'import', 'rfm', 'clv', 'cluster', 'audiences', 'campaigns', 'recommend', 'models', 'memory', 'server', 'studio'] as const;
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted.length ? wanted : ALL) {
  const mod = (await import(`./${name}.ts`)) as { run: () => Promise<void> };
  await mod.run();
}
