"""Makes the enforcement example's exhibits (stand-ins for scans) in examples/enforcement/exhibits/.

The files are committed; run this again only to remake them:
    .venv/bin/python examples/enforcement/make_exhibits.py
All names, numbers and amounts are fictitious (they match case.yaml).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
OUT = HERE / "exhibits"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SIZE = (827, 1169)  # A4 at 100 dpi
WIDTH = 33  # characters a line on the page


def _wrap(line: str) -> list[str]:
    return [line[i:i + WIDTH] for i in range(0, len(line), WIDTH)] or [""]


def _page(title: str, lines: list[str], *, stamp: str | None = None, mode: str = "L") -> Image.Image:
    img = Image.new(mode, SIZE, "white")
    draw = ImageDraw.Draw(img)
    big = ImageFont.truetype(FONT, 34, index=2)
    body = ImageFont.truetype(FONT, 20, index=2)
    w = draw.textlength(title, font=big)
    draw.text(((SIZE[0] - w) / 2, 90), title, fill="black", font=big)
    y = 180
    for line in lines:
        for part in _wrap(line):
            draw.text((90, y), part, fill="black", font=body)
            y += 34
    if stamp:
        red = (200, 30, 30) if mode == "RGB" else 90
        draw.ellipse((520, y + 20, 720, y + 220), outline=red, width=5)
        sw = draw.textlength(stamp, font=body)
        draw.text((620 - sw / 2, y + 108), stamp, fill=red, font=body)
    return img


def _pdf(path: Path, pages: list[Image.Image]) -> None:
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=100)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    _page("营业执照（副本）",
          ["名称：示例银行股份有限公司宁波江北支行", "统一社会信用代码：91330205MA2J6T5P4F", "类型：股份有限公司分公司",
           "负责人：郑海", "营业场所：浙江省宁波市江北区人民路88号", "负责人身份证明：郑海系本支行行长。", "（复印件，与原件核对无异）"],
          stamp="示例银行", mode="RGB").save(OUT / "01-business-licence.png")
    _pdf(OUT / "02-judgment.pdf", [
        _page("浙江省宁波市江北区人民法院 民事判决书",
              ["（2023）浙0205民初3456号", "原告：示例银行股份有限公司宁波江北支行。",
               "被告：宁波示例机械制造有限公司；孙建华；李梅。",
               "原告与被告金融借款合同纠纷一案，本院于2023年6月5日立案后，依法适用普通程序，公开开庭进行了审理。",
               "本院认为，原告与被告宁波示例机械制造有限公司签订的《流动资金借款合同》、与被告孙建华、李梅签订的《保证合同》、"
               "与被告宁波示例机械制造有限公司签订的《抵押合同》合法有效。……"]),
        _page("民事判决书（续）",
              ["判决如下：",
               "一、被告宁波示例机械制造有限公司于本判决生效之日起十日内偿还原告借款本金1,000,000元及截至2023年5月31日的利息、"
               "罚息、复利合计24,302.20元，并支付此后的罚息、复利；",
               "二、被告孙建华、李梅对上述第一项债务承担连带清偿责任；",
               "三、原告对被告宁波示例机械制造有限公司提供抵押的工业厂房及土地使用权折价或者拍卖、变卖所得价款享有优先受偿权；",
               "四、驳回原告的其他诉讼请求。",
               "案件受理费14,019元，财产保全费5,000元，由三被告负担。", "审判长　王某某", "二〇二四年三月二十日"],
              stamp="江北法院"),
    ])
    _page("生效证明",
          ["本院（2023）浙0205民初3456号民事判决书已于2024年3月22日送达各方当事人，",
           "各方当事人在法定期限内均未提起上诉，该判决已于2024年4月8日发生法律效力。", "特此证明。",
           "浙江省宁波市江北区人民法院", "二〇二四年四月九日"],
          stamp="江北法院", mode="RGB").save(OUT / "03-effect-certificate.png")
    _pdf(OUT / "04-preservation-ruling.pdf", [
        _page("民事裁定书",
              ["（2023）浙0205民初3456号之一", "申请人示例银行股份有限公司宁波江北支行于2023年6月12日向本院申请财产保全。",
               "裁定如下：查封、冻结被申请人宁波示例机械制造有限公司、孙建华、李梅价值1,024,302.20元的财产。",
               "本裁定立即开始执行。", "二〇二三年六月二十日"], stamp="江北法院"),
        _page("协助执行通知书回执",
              ["查封：宁波示例机械制造有限公司名下工业厂房及土地使用权（浙（2022）宁波市江北不动产权第0012345号），"
               "查封期限自2023年6月25日起三年。",
               "冻结：孙建华在示例农村商业银行洪塘支行账户（账号6230910000001234567）内存款，续行冻结自2024年6月17日起一年。"]),
    ])
    _page("授权委托书",
          ["委托单位：示例银行股份有限公司宁波江北支行", "负责人：郑海　行长",
           "受委托人：何静，本支行资产保全部经理，联系电话13805740001",
           "代理事项：申请执行（2023）浙0205民初3456号民事判决",
           "代理权限：特别授权，包括申请执行、参加执行和解、代为领取执行款", "委托期限：至执行终结之日止",
           "委托单位（盖章）", "2025年4月8日"],
          stamp="示例银行", mode="RGB").save(OUT / "05-power-of-attorney.png")
    _pdf(OUT / "06-notices.pdf", [
        _page("逾期贷款催收通知书",
              ["宁波示例机械制造有限公司：", "贵公司于2022年3月16日在我行借款人民币1,000,000.00元，已于2023年3月15日到期。",
               "请于收到本通知之日起十日内归还全部本息。", "示例银行股份有限公司宁波江北支行", "2023年4月6日"], stamp="示例银行"),
        _page("履行保证责任通知书",
              ["孙建华、李梅：", "借款人宁波示例机械制造有限公司未按期归还编号NBJB-LD-2022-0315借款合同项下借款，",
               "请你们按《保证合同》约定承担连带保证责任，于收到本通知之日起十日内代为清偿。",
               "示例银行股份有限公司宁波江北支行", "2023年4月6日"], stamp="示例银行"),
        _page("邮件送达回执",
              ["邮件号：EMS 1100 2233 445", "收件人：宁波示例机械制造有限公司；孙建华；李梅", "投递日期：2023年4月10日",
               "签收：本人签收"]),
    ])
    print(f"exhibits written to {OUT}")


if __name__ == "__main__":
    main()
