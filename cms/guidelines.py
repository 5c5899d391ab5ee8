"""The first version of the community guidelines, created at /guidelines/ by migration cms/0005.

Editors change the page in the CMS (/cms/); this text is only the starting point.
"""

TITLE = "Community guidelines"
SLUG = "guidelines"
INTRO = "How we share ideas, disagree well and keep this community useful for everyone."
BODY = """
<h2>Be kind, be useful</h2>
<p>Criticise ideas, not people. Assume good intent, explain your reasons, and say what would make an idea
better. Harassment, insults, threats and discrimination are removed.</p>
<h2>One idea, one place</h2>
<p>Search before you post: if someone had your idea, vote for it and add what is different in a comment.
Moderators merge duplicates; your votes and comments move with them and nothing is lost.</p>
<h2>Stay on topic</h2>
<p>Ideas are about our products and services. Support requests, advertising and unrelated debates belong
elsewhere.</p>
<h2>No spam, no vote manipulation</h2>
<p>Do not advertise, post the same text again and again, or use several accounts. Votes from accounts
that act together are discounted; accounts that manipulate votes are suspended.</p>
<h2>Private information stays private</h2>
<p>Do not post anyone's personal details, including your own contact data.</p>
<h2>How moderation works</h2>
<p>Flag anything that breaks these guidelines. Moderators review flags; they hide content rather than
delete it, and tell the author why. New members start with a few limits (posts per day, links, images)
that relax as they take part. Posts that look like spam may wait for a moderator before they appear.
Warnings, suspensions and bans are explained to the member, who can appeal each decision once.</p>
"""
