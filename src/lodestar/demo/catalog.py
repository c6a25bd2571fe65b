"""Word lists for the demo company: names, industries, regions, plans and product features."""

from __future__ import annotations

NAME_PREFIXES = [
    ("Yunfan", "云帆"), ("Huaxin", "华信"), ("Zhongke", "中科"), ("Tianyi", "天翼"), ("Jinshan", "金山"),
    ("Haoyun", "浩云"), ("Xinghe", "星河"), ("Ruida", "瑞达"), ("Lianchuang", "联创"), ("Boyuan", "博远"),
    ("Hengtai", "恒泰"), ("Mingde", "明德"), ("Qianhai", "前海"), ("Dongfang", "东方"), ("Jiahe", "嘉禾"),
    ("Shengshi", "盛世"), ("Longteng", "龙腾"), ("Zhihui", "智汇"), ("Xinrui", "新锐"), ("Hongtu", "宏图"),
    ("Anxin", "安信"), ("Baiwei", "百维"), ("Chuangyu", "创宇"), ("Fengchi", "风驰"), ("Guanghe", "光合"),
    ("Huayu", "华宇"), ("Jingwei", "经纬"), ("Kaiyuan", "开元"), ("Lanhai", "蓝海"), ("Meiya", "美亚"),
    ("Nuoxin", "诺信"), ("Pengcheng", "鹏程"), ("Qingyun", "青云"), ("Shanhe", "山河"), ("Tengfei", "腾飞"),
    ("Weilai", "未来"), ("Xiangyun", "祥云"), ("Yaoshi", "耀石"), ("Zhuoyue", "卓越"), ("Zijin", "紫金"),
]
INDUSTRIES = [
    ("Manufacturing", "Robotics", "机器人", 0.14), ("Retail", "Retail", "零售", 0.12),
    ("Software", "Software", "软件", 0.12), ("Education", "Education", "教育", 0.08),
    ("Healthcare", "Medical", "医疗", 0.08), ("Logistics", "Logistics", "物流", 0.08),
    ("Financial services", "Finance", "金融", 0.07), ("E-commerce", "E-commerce", "电商", 0.1),
    ("Real estate", "Property", "地产", 0.05), ("Automotive", "Auto Parts", "汽车零部件", 0.06),
    ("Food & beverage", "Foods", "食品", 0.05), ("Professional services", "Consulting", "咨询", 0.05),
]
REGIONS = [("华东", 0.34), ("华南", 0.22), ("华北", 0.2), ("西南", 0.1), ("华中", 0.09), ("东北", 0.05)]
CITIES = {
    "华东": ["上海", "杭州", "南京", "苏州"], "华南": ["深圳", "广州", "厦门"], "华北": ["北京", "天津"],
    "西南": ["成都", "重庆"], "华中": ["武汉", "长沙"], "东北": ["沈阳", "大连"],
}
FUNDING_STAGES = [("Bootstrapped", 0.2), ("Angel", 0.1), ("Series A", 0.18), ("Series B", 0.16),
                  ("Series C+", 0.12), ("Listed", 0.12), ("State-owned", 0.12)]
# plan name, list price per seat per year (CNY)
PLANS = [("Starter", 1800), ("Growth", 3600), ("Enterprise", 6000)]
TAGS = ["reference", "strategic", "price-sensitive", "multi-site", "api-user", "new-logo", "partner-led"]
BUSINESS_MODELS = ["B2B direct sales", "B2B2C via distributors", "Online retail", "Subscription services",
                   "Project delivery", "Franchise network"]
DEPARTMENTS = ["Sales", "Marketing", "Customer Service", "Operations", "Finance", "HR", "R&D", "Supply Chain"]
SCENARIOS = ["lead management", "customer follow-up", "sales forecasting", "service tickets",
             "field visits", "marketing campaigns", "reporting to management", "contract approval"]
INTENTS = ["Replace spreadsheets with one system of record", "Standardise the sales process across regions",
           "Give management real-time visibility", "Cut customer-service response time",
           "Prepare for an IPO audit trail"]
EXPECTATIONS = ["Go live in 60 days with Sales and Service", "80% of sales reps active weekly by month 3",
                "Weekly management report without manual work", "Ticket first response under 4 hours"]
SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma",
            "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao"]
GIVEN = ["Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Jun", "Hui", "Tao", "Xin", "Ying", "Hao", "Lina",
         "Qiang", "Yu", "Chen", "Bo", "Xiaoming", "Meiling", "Jie"]
CONTACT_TITLES = {
    "decision_maker": ["CEO", "COO", "VP Sales", "General Manager"],
    "system_owner": ["IT Manager", "CIO", "Sales Operations Lead", "Digital Transformation Lead"],
    "champion": ["Sales Director", "Head of Customer Service", "Operations Manager"],
    "user": ["Sales Rep", "Account Manager", "Service Agent", "Analyst", "Team Lead"],
}
KEY_FEATURES = [
    "Dashboard Viewed", "Report Exported", "Lead Created", "Opportunity Updated", "Workflow Run",
    "Customer Record Updated", "Forecast Viewed", "Approval Completed",
]
OTHER_FEATURES = [
    "Search Performed", "Filter Applied", "Note Added", "File Uploaded", "Comment Posted", "Task Created",
    "Task Completed", "Calendar Synced", "Email Logged", "Call Logged", "Contact Imported", "Tag Added",
    "Field Customised", "Template Used", "Mobile Check-in", "Quote Created", "Invoice Viewed",
    "Product Catalogue Viewed", "Territory Assigned", "Goal Set", "Chart Created", "Integration Connected",
    "Webhook Fired", "User Invited", "Role Changed", "Data Exported", "Bulk Edit Applied", "Duplicate Merged",
    "Notification Read", "Help Article Opened", "Feedback Submitted", "Settings Changed",
]
TRAINING_EVENT = "Training Completed"
PAGES = ["Home", "Accounts", "Leads", "Opportunities", "Reports", "Dashboards", "Settings", "Help Center"]
TICKET_SUBJECTS = ["Cannot export report", "Login issue", "Workflow not triggering", "Data import failed",
                   "Permission question", "Slow dashboard", "API rate limit", "Mobile app sync error",
                   "How to configure approvals", "Invoice question"]
TOUCH_SUBJECTS = {
    "call": ["Monthly check-in", "Usage follow-up", "Renewal discussion", "Issue follow-up"],
    "visit": ["On-site visit", "Executive visit"],
    "email": ["Release notes", "Usage report", "Best-practice tips"],
    "meeting": ["Kickoff meeting", "Success plan review", "Adoption workshop"],
    "training": ["Admin training", "Advanced reports training"],
    "qbr": ["Quarterly business review"],
}
ONBOARDING_TRAINING = "Onboarding training (targeted)"
WELCOME_EMAIL = "Welcome e-mail"
