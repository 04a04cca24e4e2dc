/**
 * The rules a card draws in the browser, so that opening a board costs no
 * computed field per card. They are the server's own (crm.lead's
 * next_action.py and stage_history.py); tests/test_card_rules.py runs both
 * on the same data and proves they agree.
 */
const { DateTime } = luxon;

/**
 * The next action's state: "overdue", "today", "planned", or "none" without
 * a date. `deadline` is a date field's value (a DateTime at its day's start
 * in the browser's zone); `now` the browser's clock, as the user's today.
 */
export function nextActionState(deadline, now = DateTime.local()) {
    if (!deadline) {
        return "none";
    }
    const day = deadline.toISODate();
    const today = now.toISODate();
    if (day < today) {
        return "overdue";
    }
    return day === today ? "today" : "planned";
}

/** The colour of each state on a card. */
export const NEXT_ACTION_CLASSES = {
    overdue: "text-danger",
    today: "text-warning",
    planned: "text-success",
};

/** Whole days since `since` (a datetime field's value): the days in stage. */
export function daysInStage(since, now = DateTime.local()) {
    return since ? Math.floor(now.diff(since, "days").days) : 0;
}
