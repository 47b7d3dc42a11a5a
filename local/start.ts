/**
 * `npm start`: the local Kvorum system. Placeholder until the local runtime lands (issue 4):
 * it says honestly what exists instead of pretending.
 */
console.log('Kvorum local runtime is not built yet. What exists: the regulation rules and the working-day calendar (run `npm test`).');
