// npm run lint:deps: the layering of docs/../style.md, checked by dependency-cruiser instead of by memory.
// It reads src/ and web/src/ without their tests: a test may import anything; the rules are about what the
// product's code depends on.

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'pure-cores-import-only-themselves',
      comment:
        'src/policy (the IAM core: rn, glob, actions, statement, evaluate, covers) and src/evaluation (the flag-targeting language) are pure: each imports only its own folder, no app code and no node: or npm modules (evaluation/md5.ts is pure for that reason), so they can be tested, benchmarked and used by the web UI alone.',
      severity: 'error',
      from: { path: '^src/(policy|evaluation)/' },
      to: { pathNot: '^src/$1/' },
    },
    {
      name: 'routes-do-not-import-routes',
      comment: "A *-routes.ts file is HTTP only. Schemas or helpers two features share belong in a schema or service module, not in another feature's routes.",
      severity: 'error',
      from: { path: '-routes\\.ts$' },
      to: { path: '-routes\\.ts$' },
    },
    {
      name: 'only-wiring-imports-routes',
      comment: 'Routes are registered by src/features.ts (and src/app.ts); anything else (the CLI, a service) that needs what a routes file holds wants it moved out of the routes file.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(features|app)\\.ts$', '-routes\\.ts$'] },
      to: { path: '-routes\\.ts$' },
    },
    {
      name: 'only-stores-import-tables',
      comment:
        'src/platform/tables.ts holds the database row types: only stores (*-store.ts), read models (*-read-model.ts), platform/db.ts and platform/migrations.ts know them. A service that runs a transaction types its handle with DbExecutor / DbTransaction from platform/db.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['-store\\.ts$', '-read-model\\.ts$', '^src/platform/(db|migrations|tables)\\.ts$'] },
      to: { path: '^src/platform/tables\\.ts$' },
    },
    {
      name: 'web-imports-only-the-policy-core',
      comment:
        "The web UI talks to the server over /api; of the server's code it uses only the pure policy core (the permission picker). Its API types are generated from the OpenAPI document (web/src/api/openapi.d.ts).",
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^(src|test|bench|scripts)/', pathNot: '^src/policy/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle means two modules cannot be understood, tested or moved apart; break it with a smaller module both can import.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment: 'Features depend on platform/ and on each other in one direction only: platform (the base) imports no feature, and no two feature folders import each other, however indirectly.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve would make every rule above pass without checking it.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    exclude: { path: '\\.test\\.tsx?$' },
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: the row types in tables.ts are imported as types.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
