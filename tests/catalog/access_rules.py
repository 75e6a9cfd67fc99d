"""Who may call the shop and product write routes."""

from tests.access import AreaRules, Rule
from tests.helpers import make_product, register, unique


def _product(w) -> int:
    return make_product(w["api"], w["owner"], w["shop"]["id"])["id"]


def _image(w) -> int:
    product_id = w["fresh"]("product_id")
    response = w["api"].post(f"/api/v1/products/{product_id}/images", headers=w["owner"].headers,
                             files={"file": ("p.png", w["png"], "image/png")})
    return response.json()["id"]


AREA = AreaRules(
    rules={
        ("POST", "/api/v1/shops"): Rule(("seller", "owner"), body=lambda w: {
            "name": unique("S"), "city": "C", "country": "CN"}),
        ("PATCH", "/api/v1/shops/{shop_id}"): Rule(("owner",), body=lambda w: {"description": "new"}),
        ("POST", "/api/v1/shops/{shop_id}/staff"): Rule(("owner",), body=lambda w: {"email": register(w["api"]).email}),
        ("POST", "/api/v1/shops/{shop_id}/products"): Rule(("owner", "staff"), body=lambda w: {
            "title": "T", "sku": unique("S"), "price_minor": 1}),
        ("PATCH", "/api/v1/products/{product_id}"): Rule(("owner", "staff"), body=lambda w: {"stock": 7}),
        ("POST", "/api/v1/products/{product_id}/images"): Rule(("owner", "staff"), image=True),
        ("DELETE", "/api/v1/products/{product_id}/images/{image_id}"): Rule(("owner", "staff")),
    },
    params={"shop_id": lambda w: w["shop"]["id"], "product_id": _product, "image_id": _image},
)
