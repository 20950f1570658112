import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Root web/, output web/dist, served by the API server itself (src/channels/web).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    manifest: true,
    modulePreload: { polyfill: false },
  },
});
