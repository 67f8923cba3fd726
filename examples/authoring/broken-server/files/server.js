#!/usr/bin/env node
// Fails on start: a missing module, as a server whose dependencies were not packed would.
"use strict";
console.error("broken-server: cannot find module 'left-pad'");
process.exit(3);
