// Placeholder: the core showcase lands here. Run with `pnpm demo` (tsx, from source).
console.log('Wengert demo — core showcase coming');
