/* View "parallelism": placeholder replaced below */
(function () {
  "use strict";
  var L = window.llmprof;
  L.registerView({ id: "parallelism", title: "Parallelism", lede: "", render: function (root, data) { L.unavailable(root, data.summary.processGroups, "Parallelism not available"); } });
})();
