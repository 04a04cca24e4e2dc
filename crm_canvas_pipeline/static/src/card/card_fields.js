import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatDate } from "@web/views/fields/formatters";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

import { NEXT_ACTION_CLASSES, daysInStage, nextActionState } from "./card_rules";

/** A card's next action: its icon, date and summary, coloured by state. */
export class NextActionField extends Component {
    static template = "crm_canvas_pipeline.NextActionField";
    static props = { ...standardFieldProps };

    get deadline() {
        return this.props.record.data[this.props.name];
    }

    get stateClass() {
        return NEXT_ACTION_CLASSES[nextActionState(this.deadline)];
    }

    get formattedDate() {
        return formatDate(this.deadline);
    }

    get icon() {
        return this.props.record.data.next_action_icon || "fa-clock-o";
    }

    get summary() {
        return this.props.record.data.next_action_summary || "";
    }
}

/** A card's days in its current stage. */
export class DaysInStageField extends Component {
    static template = "crm_canvas_pipeline.DaysInStageField";
    static props = { ...standardFieldProps };

    get since() {
        return this.props.record.data[this.props.name];
    }

    get days() {
        return daysInStage(this.since);
    }
}

registry.category("fields").add("canvas_next_action", {
    component: NextActionField,
    displayName: _t("Next action"),
    supportedTypes: ["date"],
    fieldDependencies: [
        { name: "next_action_icon", type: "char" },
        { name: "next_action_summary", type: "char" },
    ],
});

registry.category("fields").add("canvas_days_in_stage", {
    component: DaysInStageField,
    displayName: _t("Days in stage"),
    supportedTypes: ["datetime"],
});
