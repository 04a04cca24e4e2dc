import { rpcBus } from "@web/core/network/rpc";

// Helpers of the seed-journey tours (issue 10).
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Odoo 19 shows a view from its disk cache, then renders it again when the
// server's answer differs: a drag or a screenshot in between is lost or shows
// stale data. Count the RPCs in flight from the moment the tours' code loads.
let rpcsInFlight = 0;
rpcBus.addEventListener("RPC:REQUEST", () => rpcsInFlight++);
rpcBus.addEventListener("RPC:RESPONSE", () => (rpcsInFlight = Math.max(0, rpcsInFlight - 1)));

const SERVER_TIMEOUT = 20000;

/** Resolves once no RPC has been in flight for `quiet` ms. */
async function untilServerIdle(quiet = 300) {
    const until = Date.now() + SERVER_TIMEOUT;
    let idleSince = null;
    while (idleSince === null || Date.now() - idleSince < quiet) {
        if (Date.now() > until) {
            throw new Error(`the server was still answering after ${SERVER_TIMEOUT} ms`);
        }
        if (rpcsInFlight) {
            idleSince = null;
        } else if (idleSince === null) {
            idleSince = Date.now();
        }
        await sleep(50);
    }
}

/** A step that waits for the view's data to come from the server. */
export function serverIdle(content) {
    return {
        trigger: "body",
        content,
        timeout: SERVER_TIMEOUT + 5000,
        run: () => untilServerIdle(),
    };
}

// Screenshots for the README and the Apps page, taken by the tours
// themselves: a screenshot step waits for its screen and for the server, lets
// the view settle, logs `canvas-screenshot:<name>` and waits until
// TestSeedJourney (tests/test_tours.py) has captured the page and set
// window.__canvasScreenshotDone to <name>. Outside that test nobody answers
// and the step fails.
const ANSWER_TIMEOUT = 30000;
const SETTLE = 500;

export function screenshot(name, trigger, content) {
    return {
        trigger,
        content: `screenshot ${name}: ${content}`,
        timeout: 60000, // the most a tour step may have: the waits below take at most 50.5 s
        async run() {
            await untilServerIdle();
            // fonts, images and transitions finish after the data
            await sleep(SETTLE);
            // no focus ring or text cursor on the picture
            document.activeElement?.blur();
            window.__canvasScreenshotDone = undefined;
            window.__canvasScreenshotFailed = undefined;
            console.log(`canvas-screenshot:${name}`);
            const until = Date.now() + ANSWER_TIMEOUT;
            while (window.__canvasScreenshotDone !== name) {
                if (window.__canvasScreenshotFailed) {
                    throw new Error(`screenshot ${name} failed: ${window.__canvasScreenshotFailed}`);
                }
                if (Date.now() > until) {
                    throw new Error(
                        `screenshot ${name}: the test did not answer within ${ANSWER_TIMEOUT} ms ` +
                            "(these tours are meant to run from TestSeedJourney, which takes the screenshots)"
                    );
                }
                await sleep(50);
            }
        },
    };
}
