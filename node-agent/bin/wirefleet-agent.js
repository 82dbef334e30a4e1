#!/usr/bin/env node
// The installed entry point: runs the compiled agent (npm run build).
import '../dist/main.js';
