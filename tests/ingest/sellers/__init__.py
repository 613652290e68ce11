"""Builders of seller export files in their real formats (headers from
/work/shared/reference/seller-exports.md), for the seller parser tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

KEY = b"test-secret-key"


def _columns(listing: str, sep: str) -> list[str]:
    """The headers as the reference lists them (copied verbatim, so kept as one text)."""
    return listing.split(sep)


SHOPEE_TH = _columns(
    (
        "หมายเลขคำสั่งซื้อ | สถานะการสั่งซื้อ | Hot Listing | เหตุผลในการยกเลิกคำสั่งซื้อ | "
        "สถานะการคืนเงินหรือคืนสินค้า | ชื่อผู้ใช้ (ผู้ซื้อ) | วันที่ทำการสั่งซื้อ | เวลาการชำระสินค้า | "
        "ช่องทางการชำระเงิน | ช่องทางการชำระเงิน (รายละเอียด) | แผนการผ่อนชำระ | ค่าธรรมเนียม (%) | "
        "ตัวเลือกการจัดส่ง | วิธีการจัดส่ง | *หมายเลขติดตามพัสดุ | วันที่คาดว่าจะทำการจัดส่งสินค้า | "
        "เวลาส่งสินค้า | เลขอ้างอิง Parent SKU | ชื่อสินค้า | เลขอ้างอิง SKU (SKU Reference No.) | "
        "ชื่อตัวเลือก | ราคาตั้งต้น | ราคาขาย | จำนวน | จำนวนที่ส่งคืน | ราคาขายสุทธิ | ส่วนลดจาก Shopee | "
        "โค้ดส่วนลดชำระโดยผู้ขาย | โค้ด Coins Cashback ชำระโดยผู้ขาย | โค้ดส่วนลดชำระโดย Shopee (เช่น "
        "โค้ดจากโปรแกรม ร้านโค้ดคุ้ม, โค้ดส่วนลด Shopee, โค้ดส่วนลด Shopee Mall) | โค้ดส่วนลด | "
        "เข้าร่วมแคมเปญ bundle deal หรือไม่ | ส่วนลด bundle deal ชำระโดยผู้ขาย | "
        "ส่วนลด bundle deal ชำระโดย Shopee | ส่วนลดจากการใช้เหรียญ | โปรโมชั่นช่องทางชำระเงินทั้งหมด | "
        "ส่วนลดเครื่องเก่าแลกใหม่ | โบนัสส่วนลดเครื่องเก่าแลกใหม่ | ค่าคอมมิชชั่น | Transaction Fee | "
        "ราคาสินค้าที่ชำระโดยผู้ซื้อ (THB) | ค่าจัดส่งที่ชำระโดยผู้ซื้อ | ค่าจัดส่งที่ Shopee ออกให้โดยประมาณ | "
        "ค่าจัดส่งสินค้าคืน | ค่าบริการ | จำนวนเงินทั้งหมด | ค่าจัดส่งโดยประมาณ | "
        "โบนัสส่วนลดเครื่องเก่าแลกใหม่จากผู้ขาย | ชื่อผู้รับ | หมายเลขโทรศัพท์ | หมายเหตุจากผู้ซื้อ | "
        "ที่อยู่ในการจัดส่ง | ประเทศ | จังหวัด | เขต/อำเภอ | รหัสไปรษณีย์ | ประเภทคำสั่งซื้อ | "
        "เวลาที่ทำการสั่งซื้อสำเร็จ | บันทึก | ผู้ซื้อร้องขอใบกำกับภาษี | ประเภทใบกำกับภาษี | ชื่อ | "
        "ประเภทสาขา | ชื่อสาขา | รหัสประจำสาขา | ที่อยู่สำหรับออกใบกำกับภาษีแบบเต็มรูป | รายละเอียดที่อยู่ | "
        "แขวง/ตำบล | เขต/อำเภอ | จังหวัด | รหัสไปรษณีย์ | หมายเลขประจำตัวผู้เสียภาษี | "
        "หมายเลขโทรศัพท์สำหรับออกใบกำกับภาษี | อีเมลสำหรับรับใบกำกับภาษี"
    ),
    " | ",
)

SHOPEE_EN = _columns(
    (
        "Order ID, Order Status, Return / Refund Status, Tracking Number*, Shipping Option, "
        "Shipment Method, Estimated Ship Out Date, Ship Time, Order Creation Date, Order Paid Time, "
        "Parent SKU Reference No., Product Name, SKU Reference No., Variation Name, Original Price, "
        "Deal Price, Quantity, Returned quantity, Product Subtotal, Seller Rebate, Seller Discount, "
        "Shopee Rebate, Total Amount, Buyer Paid Shipping Fee, Shipping Rebate Estimate, "
        "Reverse Shipping Fee, Transaction Fee, Commission Fee, Service Fee, Grand Total, "
        "Estimated Shipping Fee, Username (Buyer), Receiver Name, Phone Number, Delivery Address, "
        "Town, District, Province, City, Country, Zip Code, Remark from buyer, Order Complete Time, "
        "Shopee Voucher, Seller Voucher, Seller Absorbed Coin Cashback, Shopee Bundle Discount, "
        "Seller Bundle Discount, Shopee Coins Offset, Credit Card Discount Total, Voucher Code, "
        "No of product in order"
    ),
    ", ",
)

TIKTOK = _columns(
    (
        "Order ID, Order Status, Order Substatus, Cancelation/Return Type, Normal or Pre-order, "
        "SKU ID, Seller SKU, Product Name, Variation, Quantity, Sku Quantity of return, "
        "SKU Unit Original Price, SKU Subtotal Before Discount, SKU Platform Discount, "
        "SKU Seller Discount, SKU Subtotal After Discount, Shipping Fee After Discount, "
        "Original Shipping Fee, Shipping Fee Seller Discount, Shipping Fee Platform Discount, "
        "Payment platform discount, Taxes, Order Amount, Order Refund Amount, Created Time, "
        "Paid Time, RTS Time, Shipped Time, Delivered Time, Cancelled Time, Cancel By, "
        "Cancel Reason, Fulfillment Type, Warehouse Name, Tracking ID, Delivery Option, "
        "Shipping Provider Name, Buyer Message, Buyer Username, Recipient, Phone #, Country, "
        "Province, District, Commune, Detail Address, Additional address information, "
        "Payment Method, Weight(kg), Product Category, Package ID, Seller Note, Checked Status, "
        "Checked Marked by"
    ),
    ", ",
)


def _expand(spec: str) -> list[str]:
    """ "shippingAddress, shippingAddress2..5" → each header."""
    out: list[str] = []
    for name in spec.split(", "):
        if name.endswith("2..5"):
            base = name[:-4]
            out.extend(f"{base}{n}" for n in range(2, 6))
        elif name.endswith("..5"):
            base = name[:-3]
            out.extend([base, *(f"{base}{n}" for n in range(2, 6))])
        elif name.endswith("(2)"):
            base = name[:-3]
            out.extend([base, f"{base}2"])
        else:
            out.append(name)
    return out


LAZADA_CAMEL = _expand(
    "orderItemId, orderType, Guarantee, deliveryType, lazadaId, sellerSku, lazadaSku, "
    "wareHouse, createTime, updateTime, rtsSla, ttsSla, orderNumber, invoiceRequired, "
    "invoiceNumber, deliveredDate, customerName, customerEmail, nationalRegistrationNumber, "
    "shippingName, shippingAddress, shippingAddress2..5, shippingPhone, shippingPhone2, "
    "shippingCity, shippingPostCode, shippingCountry, shippingRegion, billingName, "
    "billingAddr, billingAddr2..5, billingPhone, billingPhone2, billingCity, billingPostCode, "
    "billingCountry, taxCode, branchNumber, taxInvoiceRequested, payMethod, paidPrice, "
    "unitPrice, sellerDiscountTotal, shippingFee, walletCredit, itemName, variation, "
    "cdShippingProvider, shippingProvider, shipmentTypeName, shippingProviderType, "
    "cdTrackingCode, trackingCode, trackingUrl, shippingProviderFM, trackingCodeFM, "
    "trackingUrlFM, promisedShippingTime, premium, status, "
    "buyerFailedDeliveryReturnInitiator, buyerFailedDeliveryReason, "
    "buyerFailedDeliveryDetail, buyerFailedDeliveryUserName, bundleId, bundleDiscount, "
    "refundAmount, sellerNote"
)

LAZADA_TITLE = _expand(
    "Order Item Id, Lazada Id, Seller SKU, Lazada SKU, Created at, Updated at, Order Number, "
    "Invoice Required, Customer Name, Customer Email, National Registration Number, "
    "Shipping Name, Shipping Address..5, Shipping Phone Number(2), Shipping City, "
    "Shipping Postcode, Shipping Country, Shipping Region, Billing Name, Billing Address..5, "
    "Billing Phone Number(2), Billing City, Billing Country, Payment Method, Paid Price, "
    "Unit Price, Shipping Fee, Wallet Credits, Item Name, Variation, CD Shipping Provider, "
    "Shipping Provider, Shipment Type Name, Shipping Provider Type, CD Tracking Code, "
    "Tracking Code, Tracking URL, Shipping Provider (first mile), Tracking Code (first mile), "
    "Tracking URL (first mile), Promised shipping time, Premium, Status, "
    "Cancel / Return Initiator, Reason, Reason Detail, Editor, Bundle ID, Bundle Discount, "
    "Refund Amount"
)


def row(header: Sequence[str], values: dict[Any, Any]) -> list[Any]:
    """A row in the header's order: values by column name (its first column), or by
    (name, n) for the n-th column of a repeated name; the rest empty."""
    cells: list[Any] = [""] * len(header)
    for name, value in values.items():
        wanted, nth = (name, 1) if isinstance(name, str) else name
        seen = 0
        for i, h in enumerate(header):
            if h == wanted:
                seen += 1
                if seen == nth:
                    cells[i] = value
                    break
        else:
            raise KeyError(name)
    return cells


def to_csv(
    header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8-sig"
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def to_xlsx(
    header: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str = "orders", before: str = ""
) -> bytes:
    """A workbook with the rows on ``sheet`` (after a sheet named ``before``, if given)."""
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    if before:
        first.title = before
        first.append(["not the orders"])
        ws = book.create_sheet(sheet)
    else:
        first.title = sheet
        ws = first
    ws.append(list(header))
    for r in rows:
        ws.append([None if c == "" else c for c in r])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
