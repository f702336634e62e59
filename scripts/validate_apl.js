#!/usr/bin/env node
// Validate APL documents and data sources with Amazon's apl-suggester.
// Reads {"documents": {name: document}, "datasources": {name: datasources}} on stdin and
// writes {name: [problems]} (errors and warnings) as JSON. The package is found under
// .cache/apl-suggester (scripts/install_apl_suggester.sh) or CLOSE_TOGETHER_APL_PREFIX.
'use strict';
const path = require('path');

const prefix = process.env.CLOSE_TOGETHER_APL_PREFIX
    || path.join(__dirname, '..', '.cache', 'apl-suggester');
const { StaticAplTemplateValidator } = require(path.join(prefix, 'node_modules', 'apl-suggester'));

async function main() {
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const validator = new StaticAplTemplateValidator();
    const results = {};
    for (const [name, document] of Object.entries(input.documents || {})) {
        results[name] = await validator.validate(document);
    }
    for (const [name, sources] of Object.entries(input.datasources || {})) {
        results[`datasources:${name}`] = await validator.validateDataSources(sources);
    }
    process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
    process.stderr.write(String(error && error.stack || error) + '\n');
    process.exit(1);
});
