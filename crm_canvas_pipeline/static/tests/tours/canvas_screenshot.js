// Screenshots for the README and the Apps page (issue 10), taken by the
// seed-journey tours themselves: a screenshot step waits for its screen, lets
// it settle, logs `canvas-screenshot:<name>` and waits until TestSeedJourney
// (tests/test_tours.py) has captured the page and set
// window.__canvasScreenshotDone to <name>. Outside that test nobody answers
// and the step fails.
const ANSWER_TIMEOUT = 30000;
const SETTLE = 500;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function screenshot(name, trigger, content) {
    return {
        trigger,
        content: `screenshot ${name}: ${content}`,
        timeout: ANSWER_TIMEOUT + 10000,
        async run() {
            // fonts, images and the search panel finish loading after the view
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
