odoo.define('wecom_integration.list_no_archive', function (require) {
"use strict";
/**
 * A list without Archive / Unarchive in its Action menu (<tree js_class="wecom_list_no_archive">).
 * Odoo 11 offers them on every model with an `active` field; the mirror's records are archived by
 * the sync alone (a hand-archived member would come back at the next sync) and an API key ends by
 * Revoke, which asks for confirmation.
 */
var ListView = require('web.ListView');
var viewRegistry = require('web.view_registry');

var ListNoArchive = ListView.extend({
    init: function () {
        this._super.apply(this, arguments);
        this.controllerParams.archiveEnabled = false;
    },
});

viewRegistry.add('wecom_list_no_archive', ListNoArchive);
return ListNoArchive;
});
