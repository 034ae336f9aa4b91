"""The bot's questions in an order request, each listing the real choices from the store."""
from __future__ import annotations

from bot.domain.catalogue import money
from bot.domain.facts import Answer, Source
from bot.domain.order_wording import item_text, options_text
from bot.domain.orders import OrderRuleError, describe_payment_method
from bot.domain.replies import HUMAN_BUTTON
from bot.services.order_facts import OrderFacts

IDENTIFY_PROMPT = (
    "First I need to verify who you are: please give me the email address on your account, or your first "
    "name, last name and zip code."
)


def next_unmapped(state: dict) -> str | None:
    """The first chosen item that has no replacement yet."""
    draft = state.get("new_item_draft") or {}
    return next((i for i in state.get("order_item_ids") or [] if i not in draft), None)


class OrderQuestions(OrderFacts):
    def ask(self, state: dict, slot: str) -> Answer:
        return getattr(self, f"_ask_{slot}")(state)

    def _ask_customer_id(self, state: dict) -> Answer:
        return Answer(IDENTIFY_PROMPT, "order_ask_identity")

    def _ask_order_id(self, state: dict) -> Answer:
        user = self.store.get_user(state["customer_id"])
        buttons = []
        for oid in user.get("orders", [])[:10]:
            order = self.store.get_order(oid)
            names = ", ".join(dict.fromkeys(i["name"] for i in order["items"]))
            buttons.append({"title": f"{oid} ({order['status']}): {names}"[:80], "payload": f'/inform{{"order_id":"{oid}"}}'})
        if not buttons:
            return Answer("I can't see any orders on your account.", "order_none", buttons=[HUMAN_BUTTON], handoff_offered=True)
        return Answer("Which order is it about? Here are the orders on your account:", "order_ask_order", buttons=buttons)

    def _ask_cancel_reason(self, state: dict) -> Answer:
        buttons = [{"title": r.capitalize(), "payload": r} for r in ("no longer needed", "ordered by mistake")]
        return Answer(f"Why would you like to cancel order {state['order_id']}: is it no longer needed, or was it "
                      "ordered by mistake?", "order_ask_reason", buttons=buttons)

    def _ask_order_item_ids(self, state: dict) -> Answer:
        order = self.store.get_order(state["order_id"])
        verb = {"return": "return", "exchange": "exchange", "modify_items": "change"}[state["order_request"]]
        lines = [f"- {item_text(i)}" for i in order["items"]]
        buttons = [{"title": item_text(i)[:80], "payload": i["name"] + " " + " ".join(map(str, i["options"].values()))}
                   for i in order["items"][:8]]
        buttons.append({"title": "All items", "payload": "all items"})
        return Answer(f"Which items of order {state['order_id']} would you like to {verb}? It has:\n" + "\n".join(lines)
                      + "\nPlease name every item at once (or say 'all items').", "order_ask_items", buttons=buttons)

    def _ask_new_item_ids(self, state: dict) -> Answer:
        old_id = next_unmapped(state)
        order = self.store.get_order(state["order_id"])
        old = next(i for i in order["items"] if i["item_id"] == old_id)
        product = self.store.get_product(old["product_id"])
        pool = [v for iid, v in product["variants"].items() if v["available"] and iid != old_id]
        if not pool:
            return Answer(f"Sorry, there's no other available {old['name']} to change to right now.", "order_no_variant",
                          buttons=[HUMAN_BUTTON], handoff_offered=True)
        pool.sort(key=lambda v: v["price"])
        values = {}
        for v in pool:
            for name, value in v["options"].items():
                values.setdefault(name, [])
                if value not in values[name]:
                    values[name].append(value)
        summary = "; ".join(f"{n}: {', '.join(map(str, vals))}" for n, vals in values.items())
        buttons = [{"title": f"{options_text(v['options'])} - {money(v['price'])}"[:80], "payload": v["item_id"]} for v in pool[:8]]
        return Answer(f"What would you like instead of the {old['name']} ({options_text(old['options'])}, {money(old['price'])})? "
                      f"Tell me the options to change. Available: {summary}.", "order_ask_new_item",
                      sources=[Source("product", product["product_id"], product["name"])], buttons=buttons)

    def _ask_payment_method_id(self, state: dict) -> Answer:
        user = self.store.get_user(state["customer_id"])
        order = self.store.get_order(state["order_id"])
        original = order["payment_history"][0]["payment_method_id"]
        methods = user["payment_methods"]
        kind = state["order_request"]
        if kind == "return":
            choices = [m for m in methods if m == original or methods[m]["source"] == "gift_card"]
            text = (f"Where should the refund of {money(self._return_total(state))} go? It can go to the original payment "
                    f"method ({describe_payment_method(methods[original])}) or to a gift card.")
        elif kind == "modify_payment":
            choices = [m for m in methods if m != original]
            text = (f"Order {state['order_id']} was paid with {describe_payment_method(methods[original])}. "
                    "Which payment method would you like to use instead?")
        else:
            diff = self._difference(state)
            choices = list(methods)
            if diff > 0:
                text = f"The new items cost {money(diff)} more. Which payment method should pay the difference?"
            elif diff < 0:
                text = f"The new items cost {money(-diff)} less. Which payment method should receive the refund?"
            else:
                text = "The new items cost the same. Which payment method should be kept on file for this change?"
        buttons = [{"title": describe_payment_method(methods[m])[:80], "payload": f'/inform{{"payment_method_id":"{m}"}}'}
                   for m in choices]
        return Answer(text, "order_ask_payment", buttons=buttons)

    def _ask_shipping_address(self, state: dict) -> Answer:
        whose = f"order {state['order_id']}" if state.get("order_id") else "your account"
        return Answer(f"What's the new address for {whose}? Please write it as: street, apartment or suite (if any), "
                      "city, state, zip code.", "order_ask_address")

    def precheck(self, state: dict) -> Answer | None:
        """Before asking for a yes: would the store accept this? (Dry run; writes nothing.)"""
        try:
            self.store.check(self.operation(state))
        except OrderRuleError as err:
            return Answer(f"I can't do that: {err}", "order_rule", buttons=[HUMAN_BUTTON], handoff_offered=True)
        return None

    def _ask_order_confirmed(self, state: dict) -> Answer:
        text = self.summary(state) + "\n\nShall I go ahead? Please reply yes to confirm, or no to leave everything as it is."
        shown = self.summary_id(state)
        yes = '/affirm{"confirmation_id":"%s"}' % shown
        return Answer(text, "order_confirm", buttons=[{"title": "Yes, go ahead", "payload": yes},
                                                      {"title": "No", "payload": "/deny"}],
                      extra={"confirmation_id": shown})
