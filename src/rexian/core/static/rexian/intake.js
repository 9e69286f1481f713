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

/* Intake screen: knowledge articles and similar open orders for what is being typed. */
(function () {
  "use strict";

  var DELAY_MS = 500;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function field(id) {
    var node = document.getElementById(id);
    return node ? node.value : "";
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  function renderArticles(box, data, query) {
    var body = box.querySelector(".kb-body");
    body.replaceChildren();
    if (!data.articles.length) {
      body.appendChild(el("p", "muted", "没有找到相关的现行知识。"));
      return;
    }
    data.articles.forEach(function (article) {
      var item = el("article", "kb-item");
      var title = el("a", "kb-title", article.title);
      title.href = article.url;
      title.target = "_blank";
      title.rel = "noopener";
      item.appendChild(title);
      item.appendChild(el("span", "badge", article.kind));
      var snippet = el("p", "small");
      snippet.innerHTML = article.snippet; // escaped by the server; only <mark> added
      item.appendChild(snippet);
      var actions = el("div", "kb-actions");
      var answer = el("button", "btn btn-sm btn-primary", "用此直接答复");
      answer.type = "button";
      answer.addEventListener("click", function () {
        if (!window.confirm("受理并引用“" + article.title + "”直接答复？")) return;
        document.getElementById("answer-article").value = article.id;
        document.getElementById("answer-content").value = article.body;
        document.getElementById("intake-form").requestSubmit();
      });
      var unhelpful = el("button", "btn btn-sm btn-ghost", "没有帮助");
      unhelpful.type = "button";
      unhelpful.addEventListener("click", function () {
        var form = new FormData();
        form.append("q", query);
        fetch("/knowledge/" + article.id + "/not-helpful/", {
          method: "POST", body: form, credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        }).then(function () { item.remove(); });
      });
      actions.appendChild(answer);
      actions.appendChild(unhelpful);
      item.appendChild(actions);
      body.appendChild(item);
    });
  }

  function renderSimilar(box, data) {
    var body = box.querySelector(".similar-body");
    body.replaceChildren();
    if (!data.orders.length) {
      body.appendChild(el("p", "muted", "没有相似的未办结工单。"));
      return;
    }
    var list = el("ul", "history-list");
    data.orders.forEach(function (order) {
      var item = el("li", "open");
      var link = el("a", "mono", order.number);
      link.href = order.url;
      link.target = "_blank";
      link.rel = "noopener";
      item.appendChild(link);
      item.appendChild(el("span", "badge state-" + order.state, order.state_label));
      item.appendChild(el("span", "sub", " 相似度 " + Math.round(order.score * 100) + "%"));
      item.appendChild(el("div", "", order.title));
      item.appendChild(el("div", "sub", [order.created_at, order.unit].filter(Boolean).join(" · ")));
      list.appendChild(item);
    });
    body.appendChild(list);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var kb = document.getElementById("kb-suggest");
    var similar = document.getElementById("similar-orders");
    if (!kb || !similar) return;
    var timer = null;
    var askedArticles = "";
    var askedSimilar = "";

    // Articles depend on what is said; similar orders also on where (address, area)
    // and who (the caller's own orders are left out), so each is asked again when
    // its own inputs change: typing the address after the content refreshes them.
    function refresh() {
      var query = (field("id_title") + " " + field("id_content")).trim();
      if (query.length < 2) return;
      if (query !== askedArticles) {
        askedArticles = query;
        getJSON(kb.dataset.url + "?q=" + encodeURIComponent(query.slice(0, 500)))
          .then(function (data) { if (query === askedArticles) renderArticles(kb, data, query); })
          .catch(function () { askedArticles = ""; });
      }
      var params = new URLSearchParams({
        title: field("id_title"), content: field("id_content"), address: field("id_address").trim(),
        area_code: field("id_area_code").trim(), phone: field("id_phone").replace(/[^\d+]/g, ""),
      }).toString();
      if (params === askedSimilar) return;
      askedSimilar = params;
      getJSON(similar.dataset.url + "?" + params)
        .then(function (data) { if (params === askedSimilar) renderSimilar(similar, data); })
        .catch(function () { askedSimilar = ""; });
    }

    ["id_title", "id_content", "id_address", "id_area_code", "id_phone"].forEach(function (id) {
      var node = document.getElementById(id);
      if (!node) return;
      node.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(refresh, DELAY_MS);
      });
    });
  });
})();
