/* Intake screen: show the caller's earlier orders beside the form as the phone number is typed. */
(function () {
  "use strict";

  var DELAY_MS = 350;
  var MIN_DIGITS = 5;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render(box, data) {
    var body = box.querySelector(".history-body");
    body.replaceChildren();
    if (!data.orders.length) {
      body.appendChild(el("p", "muted", "号码 " + data.phone + " 没有历史工单，是首次来电。"));
      return;
    }
    var summary = el("p", "history-summary" + (data.open_count ? " has-open" : ""));
    summary.textContent = (data.name ? data.name + "，" : "") + "历史工单 " + data.orders.length + " 件" +
      (data.open_count ? "，其中 " + data.open_count + " 件未办结，请核实是否重复来电（可并单）。" : "，均已办结。");
    body.appendChild(summary);
    var list = el("ul", "history-list");
    data.orders.forEach(function (order) {
      var item = el("li", order.open ? "open" : "");
      var head = el("div");
      var link = el("a", "mono", order.number);
      link.href = order.url;
      link.target = "_blank";
      link.rel = "noopener";
      head.appendChild(link);
      head.appendChild(document.createTextNode(" "));
      head.appendChild(el("span", "badge state-" + order.state, order.state_label));
      if (order.open) head.appendChild(el("span", "dup", " 可能重复来电"));
      item.appendChild(head);
      item.appendChild(el("div", "", order.title));
      item.appendChild(el("div", "sub", [order.created_at, order.type, order.unit].filter(Boolean).join(" · ")));
      list.appendChild(item);
    });
    body.appendChild(list);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("caller-history");
    var phone = document.getElementById("id_phone");
    if (!box || !phone) return;
    var timer = null;
    var asked = "";

    function lookup() {
      var digits = phone.value.replace(/[^\d+]/g, "");
      if (digits.length < MIN_DIGITS || digits === asked) return;
      asked = digits;
      fetch(box.dataset.url + "?phone=" + encodeURIComponent(digits), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) {
          if (digits === asked) render(box, data); // a later keystroke may have asked again
        })
        .catch(function () {
          asked = "";
          box.querySelector(".history-body").replaceChildren(el("p", "muted", "历史工单查询失败，请稍后重试。"));
        });
    }

    phone.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, DELAY_MS);
    });
    phone.addEventListener("change", lookup);
    if (phone.value) lookup();
  });
})();
