"""Every label and sentence of the seller report, Thai first, then English.

Kept apart from the code (texts.py formats and looks them up) so that a translator can
review one file, and so that a test can check that every key has both languages.
Placeholders are ``str.format`` fields; their values are formatted before (texts.py).
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # the page
    "report.title": ("รายงานร้านค้า", "Seller report"),
    "report.as_of": ("ข้อมูลถึงวันที่ {date}", "Data up to {date}"),
    "report.period": (
        "ช่วงข้อมูล {start} – {end} · {lines} รายการสั่งซื้อ",
        "Period {start} – {end} · {lines} order lines",
    ),
    "report.footer": (
        "จำนวนเงินเป็นบาท ไม่ได้หักต้นทุนสินค้า · ไม่แสดงตัวเลขตลาดที่มาจากร้านอื่นน้อยกว่า 5 ร้าน",
        "Amounts in baht; the cost of goods is not taken off · no market figure comes "
        "from fewer than 5 other shops",
    ),
    "report.no_data": ("ยังไม่มีข้อมูลพอสำหรับส่วนนี้", "Not enough data for this section yet."),
    "report.no_advice": (
        "ยังไม่มีคำแนะนำ ต้องมีข้อมูลการขายมากกว่านี้",
        "No advice yet: more sales data is needed.",
    ),
    "common.none": ("—", "—"),
    "common.new": ("ใหม่", "new"),
    "common.yes": ("ใช่", "yes"),
    "common.no": ("ไม่", "no"),
    # sections
    "section.advice": ("สิ่งที่ควรทำ", "What to do"),
    "section.channels": ("ช่องทางขาย", "Sales channels"),
    "section.products": ("สินค้า", "Products"),
    "section.time": ("ช่วงเวลาขาย", "When buyers order"),
    "section.buyers": ("ผู้ซื้อ", "Buyers"),
    "section.price": ("ราคาเทียบตลาด", "Prices against the market"),
    "section.outlook": ("แนวโน้มยอดขาย", "Sales outlook"),
    "section.words": ("คำที่ช่วยขาย", "Words that sell"),
    "section.creators": ("ครีเอเตอร์ในพื้นที่", "Local creators"),
    # sub-headings
    "sub.ranking": ("สินค้าขายดีบน{channel}", "Best sellers on {channel}"),
    "sub.rising": ("ขายดีขึ้น", "Rising"),
    "sub.falling": ("ขายลดลง", "Falling"),
    "sub.missing": ("สินค้าที่ยังไม่ได้ลงบางช่องทาง", "Products missing on a channel"),
    "sub.heatmap": ("คำสั่งซื้อตามวันและชั่วโมง", "Orders by weekday and hour"),
    "sub.best_slots": ("ช่วงเวลาที่เหมาะกับการไลฟ์", "Best slots for live selling"),
    "sub.campaigns": ("วันแคมเปญ", "Campaign days"),
    "sub.provinces": ("จังหวัดของผู้ซื้อ", "Buyers' provinces"),
    "sub.districts": ("อำเภอของผู้ซื้อ", "Buyers' districts"),
    "sub.best_words": ("คำในชื่อสินค้าขายดีของร้าน", "Words in your best sellers' titles"),
    "sub.market_words": ("คำในชื่อสินค้าขายดีของตลาด", "Words in the market's best sellers"),
    "sub.missing_words": ("คำที่ตลาดใช้แต่ร้านยังไม่ใช้", "Market words your titles lack"),
    "sub.suggestions": ("คำที่ควรเพิ่มในชื่อสินค้า", "Words to add to titles"),
    # columns
    "col.channel": ("ช่องทาง", "Channel"),
    "col.orders": ("คำสั่งซื้อ", "Orders"),
    "col.units": ("ชิ้น", "Units"),
    "col.gmv": ("ยอดขายรวม", "GMV"),
    "col.aov": ("ยอดต่อคำสั่งซื้อ", "Avg. order"),
    "col.cancel_rate": ("ยกเลิก", "Cancelled"),
    "col.return_rate": ("คืนสินค้า", "Returned"),
    "col.costs": ("ค่าใช้จ่าย", "Costs"),
    "col.net": ("รายได้สุทธิ", "Net revenue"),
    "col.net_per_baht": ("สุทธิต่อบาท", "Net per baht"),
    "col.product": ("สินค้า", "Product"),
    "col.recent": ("28 วันล่าสุด", "Last 28 days"),
    "col.before": ("28 วันก่อนหน้า", "28 days before"),
    "col.change": ("เปลี่ยนแปลง", "Change"),
    "col.sold_on": ("ขายบน", "Sold on"),
    "col.missing_on": ("ยังไม่มีบน", "Missing on"),
    "col.campaign": ("แคมเปญ", "Campaign"),
    "col.date": ("วันที่", "Date"),
    "col.baseline": ("ยอดวันปกติ", "Usual day"),
    "col.lift": ("เทียบวันปกติ", "Lift"),
    "col.slot": ("ช่วงเวลา", "Slot"),
    "col.province": ("จังหวัด", "Province"),
    "col.district": ("อำเภอ", "District"),
    "col.price": ("ราคาร้าน", "Your price"),
    "col.market": ("ราคากลางตลาด", "Market median"),
    "col.market_range": ("ราคาตลาดส่วนใหญ่", "Most market prices"),
    "col.position": ("ตำแหน่ง", "Position"),
    "col.kind": ("ประเภท", "Kind"),
    "col.word": ("คำ", "Word"),
    "col.count": ("จำนวน", "Count"),
    "col.share": ("สัดส่วน", "Share"),
    "col.add": ("คำที่ควรเพิ่ม", "Words to add"),
    "col.creator": ("ครีเอเตอร์", "Creator"),
    "col.platform": ("แพลตฟอร์ม", "Platform"),
    "col.followers": ("ผู้ติดตาม", "Followers"),
    "col.engagement": ("การมีส่วนร่วม", "Engagement"),
    "col.fit": ("ความเหมาะสม", "Fit"),
    "col.past_gmv": ("ยอดไลฟ์ที่ผ่านมา", "Past live GMV"),
    "col.fee": ("ค่าจ้างโดยประมาณ", "Typical fee"),
    "col.score": ("คะแนน", "Score"),
    "col.skill": ("ดีกว่าแบบง่าย", "Skill"),
    "col.shown": ("ที่แสดง", "Shown"),
    "col.next_weeks": ("ต่อสัปดาห์ ({weeks} สัปดาห์หน้า)", "Per week (next {weeks} weeks)"),
    # channels and platforms
    "channel.shopee": ("ช้อปปี้", "Shopee"),
    "channel.lazada": ("ลาซาด้า", "Lazada"),
    "channel.tiktok": ("ติ๊กต็อก ช็อป", "TikTok Shop"),
    "channel.facebook": ("เฟซบุ๊ก", "Facebook"),
    "channel.line": ("ไลน์", "LINE"),
    "channel.chat": ("แชท", "Chat"),
    "channel.market": ("ตลาด", "Market stall"),
    "platform.tiktok": ("ติ๊กต็อก", "TikTok"),
    "platform.facebook": ("เฟซบุ๊ก", "Facebook"),
    "platform.instagram": ("อินสตาแกรม", "Instagram"),
    "platform.youtube": ("ยูทูบ", "YouTube"),
    "platform.line": ("ไลน์", "LINE"),
    "platform.shopee": ("ช้อปปี้", "Shopee"),
    "platform.lazada": ("ลาซาด้า", "Lazada"),
    # calendar
    "weekday.0": ("จันทร์", "Monday"),
    "weekday.1": ("อังคาร", "Tuesday"),
    "weekday.2": ("พุธ", "Wednesday"),
    "weekday.3": ("พฤหัสบดี", "Thursday"),
    "weekday.4": ("ศุกร์", "Friday"),
    "weekday.5": ("เสาร์", "Saturday"),
    "weekday.6": ("อาทิตย์", "Sunday"),
    "weekday_short.0": ("จ.", "Mon"),
    "weekday_short.1": ("อ.", "Tue"),
    "weekday_short.2": ("พ.", "Wed"),
    "weekday_short.3": ("พฤ.", "Thu"),
    "weekday_short.4": ("ศ.", "Fri"),
    "weekday_short.5": ("ส.", "Sat"),
    "weekday_short.6": ("อา.", "Sun"),
    "month.1": ("ม.ค.", "Jan"),
    "month.2": ("ก.พ.", "Feb"),
    "month.3": ("มี.ค.", "Mar"),
    "month.4": ("เม.ย.", "Apr"),
    "month.5": ("พ.ค.", "May"),
    "month.6": ("มิ.ย.", "Jun"),
    "month.7": ("ก.ค.", "Jul"),
    "month.8": ("ส.ค.", "Aug"),
    "month.9": ("ก.ย.", "Sep"),
    "month.10": ("ต.ค.", "Oct"),
    "month.11": ("พ.ย.", "Nov"),
    "month.12": ("ธ.ค.", "Dec"),
    "slot": ("วัน{day} {start}–{end} น.", "{day} {start}–{end}"),
    # values
    "position.below": ("ต่ำกว่าตลาด", "below market"),
    "position.within": ("ในช่วงตลาด", "within market"),
    "position.above": ("สูงกว่าตลาด", "above market"),
    "scope.province": ("ร้านในจังหวัดเดียวกัน", "shops in your province"),
    "scope.platform": ("ร้านทั้งแพลตฟอร์ม", "shops across the platform"),
    "shown.model": ("แบบจำลอง", "model"),
    "shown.naive": ("ยอดเดิมซ้ำ", "repeat past sales"),
    "tier.micro": ("ไมโคร", "micro"),
    "unit.orders": ("{n} คำสั่งซื้อ", "{n} orders"),
    "unit.units": ("{n} ชิ้น", "{n} units"),
    "unit.times": ("{x} เท่า", "{x}×"),
    "unit.per_order": ("{n} ต่อคำสั่งซื้อ", "{n} per order"),
    # notes under tables and charts
    "note.best_channel": (
        "ช่องทางที่เหลือเงินต่อบาทมากที่สุด (อย่างน้อย 10 คำสั่งซื้อ): {channel}",
        "Keeps the most per baht (at least 10 orders): {channel}",
    ),
    "note.net": (
        "สุทธิ = ยอดขาย − ค่าธรรมเนียม − ส่วนลดที่ร้านออก − ค่าส่งที่ร้านจ่าย − เงินคืน",
        "Net = GMV − platform fees − seller discounts − shipping paid − refunds",
    ),
    "note.fees_unknown": (
        "* ไฟล์ของช่องทางนี้ไม่มีค่าธรรมเนียม รายได้สุทธิจึงอาจสูงกว่าจริง",
        "* this channel's files carry no fees: its net revenue overstates what you keep",
    ),
    "note.market_hidden": (
        "ไม่แสดงราคาตลาดเมื่อมีร้านอื่นขายสินค้าประเภทนี้น้อยกว่า {n} ร้าน",
        "No market figure is shown when fewer than {n} other sellers sell this kind.",
    ),
    "note.market_cell": ("ร้านอื่นน้อยกว่า {n} ร้าน", "fewer than {n} other sellers"),
    "note.market_scope": ("เทียบกับ{scope} {n} ร้าน", "against {n} {scope}"),
    "note.words_hidden": (
        "ไม่แสดงคำของตลาดเมื่อมีร้านอื่นน้อยกว่า 5 ร้าน",
        "Market words are not shown with fewer than 5 other shops.",
    ),
    "note.payday": (
        "วันเงินเดือนออก (25 ถึงวันที่ 1) ขายได้ {payday} ต่อวัน วันอื่น {other} ต่อวัน ({lift})",
        "Payday days (25th to the 1st) sell {payday} a day, other days {other} ({lift})",
    ),
    "note.isan_share": ("คำสั่งซื้อที่ไปภาคอีสาน: {share}", "Orders going to Isan: {share}"),
    "note.unknown_place": ("ไม่ทราบจังหวัด: {n} คำสั่งซื้อ", "Province not known: {n} orders"),
    "note.repeat": (
        "ผู้ซื้อ {buyers} คน ซื้อซ้ำ {repeat} คน ({rate})",
        "{buyers} buyers, {repeat} bought again ({rate})",
    ),
    "note.forecast": (
        "เส้นประคือการพยากรณ์ แถบสีคือช่วงที่น่าจะเป็น 80%",
        "Dashed: forecast; band: 80 % interval",
    ),
    "note.naive": (
        "แบบจำลองไม่ได้แม่นกว่าการใช้ยอดเดิมซ้ำ จึงแสดงยอดเดิมซ้ำแทน",
        "The model did not beat repeating past sales, so past sales are repeated instead.",
    ),
    "note.creators_kind": ("สำหรับสินค้าประเภท: {kind}", "For this kind of product: {kind}"),
    # charts
    "chart.net_per_baht": ("สุทธิต่อบาทแยกตามช่องทาง", "Net per baht by channel"),
    "chart.gmv": ("ยอดขายรวมแยกตามช่องทาง", "GMV by channel"),
    "chart.cell": ("{day} {hour}:00 น. – {n} คำสั่งซื้อ", "{day} {hour}:00 – {n} orders"),
    "chart.outlook": (
        "{product} บน{channel}: ยอดรายสัปดาห์และการพยากรณ์",
        "{product} on {channel}: weekly units and forecast",
    ),
    # advice
    "advice.best_channel": (
        "ขายผ่าน{best}ให้มากขึ้น: เหลือเงินเข้าร้าน {rate} ของทุกบาทที่ขาย "
        "มากกว่า{worst} ({worst_rate}) อยู่ {diff} ต่อยอดขายทุก ฿100",
        "Sell more through {best}: you keep {rate} of every baht sold there, "
        "{diff} more per ฿100 sold than on {worst} ({worst_rate}).",
    ),
    "advice.best_only": (
        "{best} เหลือเงินเข้าร้าน {rate} ของทุกบาทที่ขาย เป็นช่องทางที่คุ้มที่สุดของร้าน",
        "{best} keeps {rate} of every baht sold: your most rewarding channel.",
    ),
    "advice.fees_unknown": (
        "ไฟล์ของ{channel}ไม่มีค่าธรรมเนียม: นำเข้าไฟล์รายงานการเงินของ{channel}เพื่อให้รายได้สุทธิถูกต้อง",
        "{channel}'s files carry no fees: import its finance export so that net revenue is right.",
    ),
    "advice.cancellations": (
        "คำสั่งซื้อบน{channel}ถูกยกเลิก {rate}: ตอบแชทให้เร็ว ส่งของให้ไว และตรวจสต็อกให้ตรง",
        "{rate} of orders on {channel} are cancelled: answer faster, ship sooner, keep stock right.",
    ),
    "advice.live_slots": (
        "จัดไลฟ์ขายของช่วง {slots} ซึ่งเป็นช่วงที่มีคำสั่งซื้อมากที่สุด",
        "Go live on {slots}: your busiest hours.",
    ),
    "advice.campaign_up": (
        "{name} ขายได้ {lift} ของวันปกติ ({gmv} เทียบกับ {baseline}): "
        "เตรียมสต็อกและโปรโมชันก่อน {name} ครั้งหน้า",
        "{name} sold {lift} a usual day ({gmv} against {baseline}): "
        "stock up and plan a promotion for the next {name}.",
    ),
    "advice.campaign_flat": (
        "{name} ขายได้ไม่ต่างจากวันปกติ ({lift}): ครั้งหน้าลองเข้าร่วมคูปองของแพลตฟอร์มหรือจัดโปรโมชัน",
        "{name} sold no more than a usual day ({lift}): join the platform's vouchers or run "
        "a promotion next time.",
    ),
    "advice.payday": (
        "ช่วงเงินเดือนออก (25 ถึงวันที่ 1) ขายได้ต่อวัน {lift} ของวันอื่น: ลงสินค้าใหม่และไลฟ์ช่วงนี้",
        "Payday days (25th to the 1st) sell {lift} other days: launch products and go live then.",
    ),
    "advice.missing": (
        "ลง “{product}” บน{missing}ด้วย: ขายบน{sold}ได้ {units} ชิ้นใน 90 วัน",
        "List “{product}” on {missing} too: it sold {units} units on {sold} in 90 days.",
    ),
    "advice.rising": (
        "“{product}” ขายดีขึ้น {change} ({recent} ชิ้นใน 28 วัน จาก {before}): เติมสต็อกให้พอ",
        "“{product}” is rising {change} ({recent} units in 28 days, from {before}): "
        "keep it in stock.",
    ),
    "advice.new": (
        "สินค้าใหม่ “{product}” ขายได้ {recent} ชิ้นใน 28 วัน: ดันต่อด้วยไลฟ์และโพสต์",
        "New “{product}” sold {recent} units in 28 days: push it in lives and posts.",
    ),
    "advice.falling": (
        "“{product}” ขายลดลง {change} ({recent} ชิ้นใน 28 วัน จาก {before}): "
        "ตรวจราคา รูป และรีวิว หรือจัดโปรโมชัน",
        "“{product}” is falling {change} ({recent} units in 28 days, from {before}): "
        "check its price, photos and reviews, or run a promotion.",
    ),
    "advice.repeat_low": (
        "ผู้ซื้อกลับมาซื้อซ้ำ {rate} ({repeat} จาก {buyers} คน): ชวนลูกค้าเพิ่มเพื่อนไลน์และส่งคูปองสำหรับครั้งถัดไป",
        "{rate} of buyers came back ({repeat} of {buyers}): invite buyers to your LINE "
        "and send a coupon for their next order.",
    ),
    "advice.repeat_ok": (
        "ผู้ซื้อกลับมาซื้อซ้ำ {rate} ({repeat} จาก {buyers} คน): ดูแลลูกค้าประจำด้วยส่วนลดสมาชิกหรือของแถม",
        "{rate} of buyers came back ({repeat} of {buyers}): reward regulars with a member "
        "discount or a small gift.",
    ),
    "advice.price_below": (
        "“{product}” ขาย {price} ต่ำกว่าตลาด (ราคากลาง {median}, ส่วนใหญ่ {p25}–{p75}): ลองขึ้นราคาได้",
        "“{product}” sells at {price}, below the market (median {median}, most "
        "{p25}–{p75}): try a higher price.",
    ),
    "advice.price_above": (
        "“{product}” ขาย {price} สูงกว่าตลาด (ราคากลาง {median}, ส่วนใหญ่ {p25}–{p75}): "
        "บอกจุดเด่นให้ชัด หรือทบทวนราคา",
        "“{product}” sells at {price}, above the market (median {median}, most "
        "{p25}–{p75}): show what makes it better, or review the price.",
    ),
    "advice.forecast_model": (
        "คาดว่า “{product}” บน{channel} จะขายได้ราว {units} ชิ้นต่อสัปดาห์ใน {weeks} สัปดาห์ข้างหน้า "
        "(ราว {low}–{high}): เตรียมสต็อกตามนี้",
        "The model expects about {units} units a week of “{product}” on {channel} over the "
        "next {weeks} weeks ({low}–{high}): stock for that.",
    ),
    "advice.forecast_naive": (
        "{products}: การพยากรณ์ไม่ได้แม่นกว่าการใช้ยอดขายของปีที่แล้ว "
        "ให้วางแผนสต็อกจากยอดช่วงเดียวกันของปีที่แล้วไปก่อน",
        "{products}: the forecast is no better than repeating last year's sales; plan stock "
        "from the same weeks last year.",
    ),
    "advice.words": (
        "เพิ่มคำ {words} ในชื่อ “{product}”: สินค้าขายดีในตลาดใช้คำเหล่านี้",
        "Add {words} to the title of “{product}”: the market's best sellers use them.",
    ),
    "advice.creators": (
        "ติดต่อครีเอเตอร์ {creators} เพื่อไลฟ์หรือรีวิว{kind}: เหมาะกับสินค้าของร้านมากที่สุด",
        "Contact {creators} for a live or a review of your {kind}: they fit your products best.",
    ),
    "advice.creator": (
        "{handle} ({platform}, ผู้ติดตาม {followers})",
        "{handle} ({platform}, {followers} followers)",
    ),
    "advice.products_kind": ("สินค้า", "products"),
    "list.and": ("{a} และ {b}", "{a} and {b}"),
}
