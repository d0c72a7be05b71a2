odoo.define('wecom_integration.copy_field', function (require) {
"use strict";
/**
 * A read-only text with a Copy button (the new API key and the header that carries it): the
 * key is shown once, so copying it must not depend on selecting it by hand. Uses clipboard.js,
 * which Odoo 11's web client ships (its error dialog copies the same way).
 */
var basicFields = require('web.basic_fields');
var core = require('web.core');
var registry = require('web.field_registry');

var _t = core._t;

var CopyField = basicFields.FieldChar.extend({
    _renderReadonly: function () {
        this._super.apply(this, arguments);
        if (!this.value) {
            return;
        }
        var self = this;
        var $button = $('<button type="button" class="btn btn-sm btn-default o_wecom_copy_button"/>')
            .text(_t("Copy"));
        this.$el.append(' ', $button);
        if (this._wecomClipboard) {
            this._wecomClipboard.destroy();
        }
        this._wecomClipboard = new window.Clipboard($button[0], {text: function () { return self.value; }});
        this._wecomClipboard.on('success', function () {
            $button.text(_t("Copied"));
        });
    },
    destroy: function () {
        if (this._wecomClipboard) {
            this._wecomClipboard.destroy();
        }
        this._super.apply(this, arguments);
    },
});

registry.add('wecom_copy', CopyField);
return CopyField;
});
