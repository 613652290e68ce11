"""The columns of each export, by field, as the platforms write them.

Read from the exports sellers download (see docs/seller-formats.md); the first name of
a field is the current one (messages name a column as the file's header writes it). Fields the parsers read but
that a format does not require may be absent from a file (older versions).
"""

from __future__ import annotations

Spec = str | tuple[str, ...]
Columns = dict[str, Spec]

_SHOPEE_REQUIRED: tuple[str, ...] = ("order_id", "status", "ordered_at", "product", "sku")
_SHOPEE_REQUIRED += ("variation", "deal_price", "quantity")

SHOPEE_TH: Columns = {
    "order_id": "หมายเลขคำสั่งซื้อ",
    "status": "สถานะการสั่งซื้อ",
    "return_status": "สถานะการคืนเงินหรือคืนสินค้า",
    "username": "ชื่อผู้ใช้ (ผู้ซื้อ)",
    "ordered_at": "วันที่ทำการสั่งซื้อ",
    "product": "ชื่อสินค้า",
    "sku": ("เลขอ้างอิง SKU (SKU Reference No.)", "เลขอ้างอิง SKU"),
    "parent_sku": "เลขอ้างอิง Parent SKU",
    "variation": "ชื่อตัวเลือก",
    "original_price": "ราคาตั้งต้น",
    "deal_price": "ราคาขาย",
    "quantity": "จำนวน",
    "returned_quantity": ("จำนวนที่ส่งคืน", "Returned quantity"),
    "shopee_rebate": "ส่วนลดจาก Shopee",
    "seller_voucher": "โค้ดส่วนลดชำระโดยผู้ขาย",
    "seller_coin_cashback": "โค้ด Coins Cashback ชำระโดยผู้ขาย",
    "shopee_voucher": "โค้ดส่วนลดชำระโดย Shopee*",
    "seller_bundle": "ส่วนลด bundle deal ชำระโดยผู้ขาย",
    "shopee_bundle": "ส่วนลด bundle deal ชำระโดย Shopee",
    "coins": "ส่วนลดจากการใช้เหรียญ",
    "commission": "ค่าคอมมิชชั่น",
    "transaction_fee": "Transaction Fee",
    "service_fee": "ค่าบริการ",
    "buyer_shipping": "ค่าจัดส่งที่ชำระโดยผู้ซื้อ",
    "shipping_rebate": "ค่าจัดส่งที่ Shopee ออกให้โดยประมาณ",
    "reverse_shipping": "ค่าจัดส่งสินค้าคืน",
    "estimated_shipping": "ค่าจัดส่งโดยประมาณ",
    "receiver": "ชื่อผู้รับ",
    "phone": "หมายเลขโทรศัพท์",
    "province": "จังหวัด",  # first of two: shipping; the second is the tax invoice's
    "district": "เขต/อำเภอ",
}

SHOPEE_EN: Columns = {
    "order_id": "Order ID",
    "status": "Order Status",
    "return_status": "Return / Refund Status",
    "username": "Username (Buyer)",
    "ordered_at": "Order Creation Date",
    "product": "Product Name",
    "sku": "SKU Reference No.",
    "parent_sku": "Parent SKU Reference No.",
    "variation": "Variation Name",
    "original_price": "Original Price",
    "deal_price": "Deal Price",
    "quantity": "Quantity",
    "returned_quantity": "Returned quantity",
    "shopee_rebate": "Shopee Rebate",
    "seller_voucher": "Seller Voucher",
    "seller_coin_cashback": "Seller Absorbed Coin Cashback",
    "shopee_voucher": "Shopee Voucher",
    "seller_bundle": "Seller Bundle Discount",
    "shopee_bundle": "Shopee Bundle Discount",
    "coins": "Shopee Coins Offset",
    "commission": "Commission Fee",
    "transaction_fee": "Transaction Fee",
    "service_fee": "Service Fee",
    "buyer_shipping": "Buyer Paid Shipping Fee",
    "shipping_rebate": "Shipping Rebate Estimate",
    "reverse_shipping": "Reverse Shipping Fee",
    "estimated_shipping": "Estimated Shipping Fee",
    "receiver": "Receiver Name",
    "phone": "Phone Number",
    "province": "Province",
    "district": "District",  # the English export's amphoe; City and Town tried after it
    "city": "City",
    "town": "Town",
}

TIKTOK: Columns = {
    "order_id": "Order ID",
    "status": "Order Status",
    "substatus": "Order Substatus",
    "sku_id": "SKU ID",
    "sku": "Seller SKU",
    "product": "Product Name",
    "variation": "Variation",
    "quantity": "Quantity",
    "returned_quantity": "Sku Quantity of return",
    "unit_price": "SKU Unit Original Price",
    "platform_discount": "SKU Platform Discount",
    "seller_discount": "SKU Seller Discount",
    "shipping_after": "Shipping Fee After Discount",
    "shipping_seller_discount": "Shipping Fee Seller Discount",
    "shipping_platform_discount": "Shipping Fee Platform Discount",
    "payment_platform_discount": "Payment platform discount",
    "refund": "Order Refund Amount",
    "ordered_at": "Created Time",
    "username": "Buyer Username",
    "recipient": "Recipient",
    "phone": "Phone #",
    "province": "Province",
    "district": "District",
    "city": "City",
}
_TIKTOK_REQUIRED: tuple[str, ...] = (
    "order_id",
    "status",
    "sku",
    "product",
    "variation",
    "quantity",
)
_TIKTOK_REQUIRED += ("unit_price", "ordered_at")

LAZADA: dict[str, tuple[str, ...]] = {  # current camelCase, legacy Title Case
    "order_number": ("orderNumber", "Order Number"),
    "item_id": ("orderItemId", "Order Item Id"),
    "sku": ("sellerSku", "Seller SKU"),
    "lazada_sku": ("lazadaSku", "Lazada SKU"),
    "ordered_at": ("createTime", "Created at"),
    "customer": ("customerName", "Customer Name"),
    "shipping_name": ("shippingName", "Shipping Name"),
    "phone": ("shippingPhone", "Shipping Phone Number"),
    "city": ("shippingCity", "Shipping City"),
    "region": ("shippingRegion", "Shipping Region"),
    "address3": ("shippingAddress3", "Shipping Address3", "Shipping Address 3"),
    "address4": ("shippingAddress4", "Shipping Address4", "Shipping Address 4"),
    "address5": ("shippingAddress5", "Shipping Address5", "Shipping Address 5"),
    "paid_price": ("paidPrice", "Paid Price"),
    "unit_price": ("unitPrice", "Unit Price"),
    "seller_discount": ("sellerDiscountTotal", "Seller Discount Total"),
    "shipping_fee": ("shippingFee", "Shipping Fee"),
    "product": ("itemName", "Item Name"),
    "variation": ("variation", "Variation"),
    "status": ("status", "Status"),
    "bundle_discount": ("bundleDiscount", "Bundle Discount"),
    "refund": ("refundAmount", "Refund Amount"),
}
_LAZADA_REQUIRED = ("order_number", "sku", "ordered_at", "unit_price", "product", "status")
LAZADA_CAMEL: Columns = {f: spec[0] for f, spec in LAZADA.items()}
LAZADA_TITLE: Columns = {f: spec[1:] for f, spec in LAZADA.items()}

TEMPLATE_TH: Columns = {
    "channel": "ช่องทาง",
    "order_id": "เลขที่คำสั่งซื้อ",
    "ordered_at": "วันที่สั่งซื้อ",
    "status": "สถานะ",
    "sku": "รหัสสินค้า",
    "product": "ชื่อสินค้า",
    "variation": "ตัวเลือก",
    "quantity": "จำนวน",
    "unit_price": "ราคาต่อชิ้น",
    "discount": "ส่วนลด",
    "shipping_buyer": "ค่าส่งที่ลูกค้าจ่าย",
    "shipping_seller": "ค่าส่งที่ร้านจ่าย",
    "fees": "ค่าธรรมเนียม",
    "returned_quantity": "จำนวนที่คืน",
    "refund": "เงินคืน",
    "customer": "ลูกค้า",
    "phone": "เบอร์โทร",
    "province": "จังหวัด",
    "district": "อำเภอ",
}
TEMPLATE_EN: Columns = {
    "channel": "channel",
    "order_id": "order_id",
    "ordered_at": "order_date",
    "status": "status",
    "sku": "sku",
    "product": "product",
    "variation": "variation",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "discount": "discount",
    "shipping_buyer": "shipping_paid_by_buyer",
    "shipping_seller": "shipping_cost",
    "fees": "fees",
    "returned_quantity": "returned_quantity",
    "refund": "refund",
    "customer": "customer",
    "phone": "phone",
    "province": "province",
    "district": "district",
}
_TEMPLATE_REQUIRED = ("channel", "order_id", "ordered_at", "product", "quantity", "unit_price")

TABLE: tuple[tuple[str, str, str, Columns, tuple[str, ...]], ...] = (
    ("shopee-th", "shopee", "Shopee (หัวตารางภาษาไทย / Thai headers)", SHOPEE_TH, _SHOPEE_REQUIRED),
    ("shopee-en", "shopee", "Shopee (English headers)", SHOPEE_EN, _SHOPEE_REQUIRED),
    ("tiktok", "tiktok", "TikTok Shop", TIKTOK, _TIKTOK_REQUIRED),
    ("lazada", "lazada", "Lazada (camelCase)", LAZADA_CAMEL, _LAZADA_REQUIRED),
    ("lazada-legacy", "lazada", "Lazada (Title Case)", LAZADA_TITLE, _LAZADA_REQUIRED),
    (
        "template-th",
        "template",
        "แม่แบบร้านค้า (ภาษาไทย) / seller template (Thai)",
        TEMPLATE_TH,
        _TEMPLATE_REQUIRED,
    ),
    (
        "template-en",
        "template",
        "แม่แบบร้านค้า (อังกฤษ) / seller template (English)",
        TEMPLATE_EN,
        _TEMPLATE_REQUIRED,
    ),
)
