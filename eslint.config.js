// ESLint (flat config) for the screen player's ES modules, the service worker and their tests.
import js from "@eslint/js";
import globals from "globals";

export default [
    {
        ignores: ["node_modules/", "staticfiles/", ".venv/", "media/"],
    },
    js.configs.recommended,
    {
        files: ["static/screen/**/*.js"],
        languageOptions: {
            ecmaVersion: 2022,
            sourceType: "module",
            globals: globals.browser,
        },
        rules: {
            eqeqeq: "error",
            "no-var": "error",
            "prefer-const": "error",
            "no-implicit-globals": "error",
        },
    },
    {
        // Served by screens.player with SHELL, SHELL_VERSION and MEDIA_CACHE prepended (declared by
        // its /* global */ comment): a classic worker script, not a module.
        files: ["static/screen/sw.js"],
        languageOptions: {
            sourceType: "script",
            globals: globals.serviceworker,
        },
        rules: {
            // A worker's global scope is its own.
            "no-implicit-globals": "off",
        },
    },
    {
        // The site's other scripts: classic scripts, one IIFE each.
        files: ["static/js/**/*.js"],
        languageOptions: {
            sourceType: "script",
            globals: globals.browser,
        },
    },
    {
        files: ["tests/js/**/*.js", "eslint.config.js"],
        languageOptions: {
            ecmaVersion: 2022,
            sourceType: "module",
            globals: globals.node,
        },
    },
];
