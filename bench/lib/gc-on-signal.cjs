// Preloaded into the service by the memory scenario (node --expose-gc --require …): SIGUSR2 runs
// a full garbage collection, so that heap and RSS figures count what is kept, not what is garbage.
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc()
})
