"""Makes the demo case's exhibits (stand-ins for scans) in examples/demo/exhibits/.

The files are committed; run this again only to remake them:
    .venv/bin/python examples/demo/make_exhibits.py
They cover every exhibit type the bundle accepts: PNG, JPEG, multi-page TIFF, PDF and DOCX.
All names, numbers and amounts are fictitious.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from exhibit_pages import page, pdf  # noqa: E402 - the examples' shared page drawing

_page = partial(page, line_height=38)
_pdf = pdf
OUT = HERE / "exhibits"


def _docx(path: Path, title: str, paragraphs: list[str]) -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(12)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    head = doc.add_paragraph()
    run = head.add_run(title)
    run.font.size = Pt(18)
    run.bold = True
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(path)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    _page(
        "营业执照（副本）",
        ["名称：示例银行股份有限公司滨江支行", "统一社会信用代码：91310115MA1H7K3D22", "类型：股份有限公司分公司",
         "负责人：周明", "营业场所：上海市浦东新区滨江大道100号", "（复印件，与原件核对无异）"],
        stamp="示例银行",
        mode="RGB",
    ).save(OUT / "01-business-licence.png")
    _page(
        "居民身份证（复印件）",
        ["姓名：陈立", "性别：男　民族：汉", "出生：1979年4月12日", "住址：北京市朝阳区建国路8号院3号楼1201室",
         "公民身份号码：110105197904120131"],
    ).save(OUT / "02-borrower-id.jpg", quality=80)
    _docx(
        OUT / "03-loan-contract.docx",
        "个人借款合同（编号：SLB-2023-0088）",
        [
            "贷款人：示例银行股份有限公司滨江支行",
            "借款人：陈立",
            "第一条 借款金额：人民币伍拾万元整（¥500,000.00）。",
            "第二条 借款期限：自2023年3月20日起至2025年3月19日止。",
            "第三条 借款利率：年利率4.35%，按月结息，结息日为每月20日，到期一次性还本。",
            "第八条 逾期罚息：借款逾期的，自逾期之日起在借款利率基础上加收50%计收罚息；"
            "对不能按时支付的利息，按罚息利率计收复利。",
            "第十条 实现债权的费用：借款人违约的，贷款人为实现债权支出的诉讼费、保全费、律师费、公告费等费用由借款人承担。",
            "第十二条 争议解决：因本合同发生的争议，由贷款人住所地人民法院管辖。",
        ]
        + [f"第{n}条 （其他条款从略）" for n in range(13, 40)],
    )
    pages = [
        _page("借款借据", ["借据编号：JJ-2023-0088-01", "借款人：陈立", "借款金额：人民币伍拾万元整",
                         "放款日期：2023年3月20日", "到期日期：2025年3月19日", "年利率：4.35%"], stamp="示例银行"),
    ]
    pages[0].save(OUT / "04-loan-receipt.tiff", compression="tiff_lzw")
    guarantee = [
        _page("保证合同（编号：SLB-BZ-2023-0088）",
              ["债权人：示例银行股份有限公司滨江支行", "保证人：上海恒远贸易有限公司",
               "第一条 被保证的主债权：编号SLB-2023-0088《个人借款合同》项下本金伍拾万元。",
               "第二条 保证方式：连带责任保证。", "第三条 保证范围：本金、利息、罚息、复利及实现债权的费用。",
               "第四条 保证期间：主债务履行期限届满之日起三年。"], stamp="恒远贸易"),
        _page("保证合同（续）", ["第五条 本合同自双方签字盖章之日起生效。", "保证人（盖章）：上海恒远贸易有限公司",
                             "法定代表人：刘洋", "签订日期：2023年3月18日"]),
    ]
    guarantee[0].save(OUT / "05-guarantee.pdf", save_all=True, append_images=guarantee[1:], resolution=100)
    _page(
        "不动产登记证明",
        ["证明权利或事项：抵押权", "权利人（申请人）：示例银行股份有限公司滨江支行", "义务人：陈立",
         "坐落：上海市浦东新区花木路200弄5号602室", "不动产单元号：310115001001GB00001F00010062",
         "其他：最高债权额人民币陆拾万元", "登记证明号：沪（2023）浦字不动产证明第0012345号", "登记日期：2023年3月19日"],
        stamp="登记中心",
        mode="RGB",
    ).save(OUT / "06-mortgage-registration.png")
    notice = [
        _page("贷款逾期催收通知书", ["陈立：", "您于2023年3月20日在我行借款人民币500,000.00元，已于2025年3月19日到期。",
                                "截至2025年4月30日，尚欠本金500,000.00元及利息、罚息、复利。",
                                "请于收到本通知之日起十日内归还。", "示例银行股份有限公司滨江支行", "2025年5月6日"], stamp="示例银行"),
        _page("邮件送达回执", ["邮件号：EMS 1234 5678 901", "收件人：陈立", "投递日期：2025年5月9日", "签收人：陈立（本人）"]),
    ]
    notice[0].save(OUT / "07-demand-notice.pdf", save_all=True, append_images=notice[1:], resolution=100)
    _docx(
        OUT / "08-statement.docx",
        "欠款明细表（截至2025年6月30日）",
        ["借款人：陈立　合同编号：SLB-2023-0088", "本金余额：500,000.00元",
         "欠付利息：3,564.59元（2024-12-20至2025-03-19，已扣除2025-01-20还款1,812.50元）",
         "罚息：9,334.38元（2025-03-20至2025-06-30，年利率6.525%）", "复利：76.34元", "合计：512,975.31元"],
    )
    _page(
        "企业信用信息公示报告",
        ["企业名称：上海恒远贸易有限公司", "统一社会信用代码：91350200MA2Y3X4R49", "类型：有限责任公司",
         "法定代表人：刘洋", "住所：上海市浦东新区张杨路500号12层", "登记状态：存续（在营、开业、在册）",
         "报告生成时间：2025年6月25日", "（国家企业信用信息公示系统打印件）"],
    ).save(OUT / "09-guarantor-registration.png")
    fee = [
        _page("委托代理合同（编号：HL-2025-031）",
              ["委托人：示例银行股份有限公司滨江支行", "受托人：上海示例律师事务所",
               "委托事项：诉陈立、上海恒远贸易有限公司金融借款合同纠纷一审",
               "律师费：人民币壹万伍仟元整（¥15,000.00），签约后五日内支付。", "签订日期：2025年6月2日"],
              stamp="示例律所"),
        _page("增值税普通发票（复印件）",
              ["购买方：示例银行股份有限公司滨江支行", "销售方：上海示例律师事务所", "项目：律师服务费",
               "价税合计：人民币壹万伍仟元整（¥15,000.00）", "开票日期：2025年6月6日"]),
    ]
    fee[0].save(OUT / "10-lawyer-fee.pdf", save_all=True, append_images=fee[1:], resolution=100)
    _page(
        "代理人身份证明",
        ["林思远　律师执业证号：13101202510000001", "执业机构：上海示例律师事务所", "（律师事务所函另附）",
         "王晓　居民身份证号：310115198802140029", "工作单位：示例银行股份有限公司滨江支行　职务：资产保全部经理",
         "（劳动合同首页及社会保险缴费记录另附）"],
        stamp="示例律所",
    ).save(OUT / "11-agents.png")
    print(f"exhibits written to {OUT}")


if __name__ == "__main__":
    main()
