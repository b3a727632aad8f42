// Jest transformer for the few ESM-only packages we use (jest on Node 20 cannot require ES modules):
// esbuild rewrites them to CommonJS, and `import.meta.url` to the file's URL.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'js',
      format: 'cjs',
      target: 'node20',
      sourcefile: filename,
      sourcemap: 'inline',
      define: { 'import.meta.url': '__importMetaUrl' },
      banner: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;",
    });
    return { code, map };
  },
};
