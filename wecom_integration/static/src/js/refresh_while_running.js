odoo.define('wecom_integration.refresh_while_running', function (require) {
"use strict";
/**
 * The status of a background run (a sync log): shown as its label, and while the run is queued or
 * running the record is reloaded every two seconds, so the form follows the run to its end.
 */
var relationalFields = require('web.relational_fields');
var registry = require('web.field_registry');

var RELOAD_MS = 2000;
var WAITING = ['queued', 'running'];

var RefreshWhileRunning = relationalFields.FieldSelection.extend({
    _render: function () {
        this._super.apply(this, arguments);
        clearTimeout(this._wecomTimer);
        if (this.mode === 'readonly' && WAITING.indexOf(this.value) !== -1) {
            var self = this;
            this._wecomTimer = setTimeout(function () {
                if (!self.isDestroyed()) {
                    self.trigger_up('reload');
                }
            }, RELOAD_MS);
        }
    },
    destroy: function () {
        clearTimeout(this._wecomTimer);
        this._super.apply(this, arguments);
    },
});

registry.add('wecom_refresh_while_running', RefreshWhileRunning);
return RefreshWhileRunning;
});
