// SmartLink v2: submit the confirmation form at once. Mail scanners that only GET
// the link never run this, so they never use up the one-time link.
(function () {
  var form = document.getElementById("smartlink-continue");
  if (form) { form.submit(); }
})();
