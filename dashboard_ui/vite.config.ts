import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by the Python app at its manifest appUrl, /app (app/api/dashboard.py).
export default defineConfig({
  base: "/app/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
