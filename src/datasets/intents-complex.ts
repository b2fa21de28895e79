import { COMPANY } from './company.ts';
import type { Intent } from './intent.ts';

// Disputes, escalations, refusals and legal requests: several issues in one message,
// where a correct answer has to apologise, refuse, escalate or explain a process.

const HISTORY = '[I already called twice and nobody fixed it.|I emailed on {date} and heard nothing back.|This is the second time this has happened.|I\'ve been a customer for {months} years.|Your chat agent just disconnected me.|]';

const DOUBLE_CHARGE: Intent = {
  id: 'billing_dispute_double_charge',
  tier: 'complex',
  keywords: ['charged twice', 'double charge', 'duplicate', 'chargeback', 'dispute', 'billing', 'overcharged'],
  templates: [
    '[I was|I\'ve been|i got] charged twice for [order {order}|my order|the {item}] [on {date}|last week|yesterday] ({amount} each)[.|!] [My bank statement shows two payments.|I can see both charges on my statement.|My card {card} shows it twice.|] ' + HISTORY + ' [I want the duplicate refunded today or I will file a chargeback.|Refund the extra charge or I\'m disputing it with my bank.|What are you going to do about it?|Please fix this immediately.]',
    '[There are|I see] two charges of {amount} [from Northwind|on my card ending {last4}] but I only placed one order[ ({order})|]. ' + HISTORY + ' [I\'ve already opened a dispute with my bank.|Do I need to call my bank?|I need this money back before rent is due.]',
    '[Billing problem|Overcharged|Double charged]: [order {order}|my last order] was [billed|charged] [twice|two times|{amount} more than the total][.|!] [I also never got a receipt.|And the promo code wasn\'t applied either.|] [Who can sort this out?|Escalate this please.|I want a manager to look at it.]',
  ],
  facts: () => [
    'We are sorry about the duplicate charge and have escalated it to our billing team.',
    'The billing team checks the charges within 2 business days and refunds any duplicate in full.',
    'The refund then takes 3 to 10 business days to appear on your statement.',
    'If you open a chargeback with your bank, we have to wait for the bank\'s decision before we can refund you.',
  ],
};

const DAMAGED_DELIVERY: Intent = {
  id: 'damaged_delivery',
  tier: 'complex',
  keywords: ['damaged', 'broken', 'arrived broken', 'scratched', 'cracked', 'smashed', 'dented'],
  templates: [
    '[My|The] {big_item} [arrived|was delivered] [damaged|broken|with a huge scratch|with a cracked leg|smashed|with a dent in the side] [today|yesterday|on {date}][.|!] [The box was crushed.|The packaging looked fine but the frame is split.|The delivery guys left before I could check it.|] [I want a replacement.|I want a full refund, including delivery.|I need this sorted before {date}.|I paid {amount} for this.] [Order {order}.|My order number is {order}.|]',
    '[Really disappointed|Very unhappy|Not happy at all]. [Half of my|My] [dinnerware set|{item}|{big_item}] [came|turned up] [in pieces|shattered|broken][,|.] [and this is a gift for {date}|and the replacement you sent last time was damaged too|and I already threw the box away]. [What are my options?|How do I get this fixed?|Do I have to pack it all up again?]',
    '[Damaged delivery|Item arrived damaged|Broken on arrival] [- order {order}|]. [I signed for it before I opened it.|The driver didn\'t let me inspect it.|] [Can you pick it up?|Who pays for the return?|I don\'t want to deal with returns, just send a new one.]',
  ],
  facts: () => [
    'We are sorry your item arrived damaged.',
    'Please send photos of the damage and the packaging within 48 hours of delivery, and keep the packaging.',
    'We will collect the damaged item at no cost to you.',
    'You can choose a free replacement or a full refund, including the delivery charge.',
  ],
};

const ESCALATION: Intent = {
  id: 'complaint_escalation',
  tier: 'complex',
  keywords: ['manager', 'supervisor', 'complaint', 'escalate', 'unacceptable', 'real person', 'terrible service'],
  templates: [
    'I want to speak to a [manager|supervisor|real person|senior agent][.|!|, now.] [This is the third time I\'ve contacted you about order {order}.|Nobody has answered my emails for two weeks.|Your agent promised a callback on {date} that never came.] ' + HISTORY + ' [This is unacceptable.|I\'m done being polite.|I expect a proper answer.]',
    '[I want to make a formal complaint|This is a formal complaint|I\'m filing a complaint] about [your delivery team|the way I was treated in the {city} showroom|my last three orders|customer service]. [They were rude and left the {big_item} in the driveway.|Every order has been late.|The agent hung up on me.] [How do I escalate this?|Who is responsible?|I want compensation.]',
    '[Terrible|Awful|Appalling] service[.|!] [My {big_item} is {days} weeks late|I\'ve been bounced between departments|My refund still hasn\'t arrived], [and|plus] [no one will give me a straight answer|every agent tells me something different|I keep getting the same copy-paste reply]. Please escalate this to someone who can actually help[.|!]',
  ],
  facts: () => [
    'We apologise for the experience and have escalated your case to a senior customer care specialist.',
    'The specialist will contact you within 1 business day using the contact details on your account.',
    `Formal complaints can also be sent to ${COMPANY.complaintsEmail} and are answered within 14 days.`,
  ],
};

const LATE_RETURN: Intent = {
  id: 'late_return_refusal',
  tier: 'complex',
  keywords: ['months ago', 'exception', 'past 30 days', 'after the return window', 'used it', 'full refund'],
  templates: [
    'I bought a {item} {months} months ago and [I\'ve used it a few times but|it\'s fine but|honestly] I [don\'t like it anymore|want to return it|changed my mind]. [I know it\'s past 30 days but|I know the policy but|] [I\'m a loyal customer and|I spend a lot with you and|] [I expect a full refund.|you should make an exception.|I want my money back.]',
    'Can I return a {big_item} I [bought|got] [last year|{months} months ago|on {date}]? [We\'re moving and it doesn\'t fit.|My partner hates it.|It\'s been used but it\'s in good condition.] [Please make an exception.|I don\'t have the receipt anymore.|I\'d like a refund to my card {card}.]',
    '[Your|The] 30-day return policy is [ridiculous|too short|unfair]. [My|The] {item} [started looking worn|faded|wobbles] after {months} months [and I want a refund|and I want to return it|so refund me]. [I won\'t shop with you again otherwise.|I will leave a bad review otherwise.|]',
  ],
  facts: () => [
    'We cannot accept a return or give a refund more than 30 days after delivery.',
    'If the item has a manufacturing fault, it may still be covered by the warranty.',
    'Send your order number and photos of the problem so we can assess a warranty claim.',
  ],
};

const OTHER_PERSON_DATA: Intent = {
  id: 'other_person_data_refusal',
  tier: 'complex',
  keywords: ['someone else', 'my wife', 'my husband', 'another account', 'their order', 'court', 'ex'],
  templates: [
    '[Can you|Please|I need you to] [tell me|give me|send me] [the address|the order history|what my ex ordered|the phone number] [on|for] [the account {email}|order {order}|my husband\'s account][.|?] [It\'s for a surprise party.|I need it for court.|They won\'t tell me themselves.|It\'s my family, so it\'s fine.]',
    'My [wife|husband|partner|mother] [ordered something|placed an order] [and I need to know what it was|with my card {card}|on {date}]. [Her|His|Their] email is {email}. [Can you read me the order details?|Please forward me the receipt.|What did they buy?]',
    'I [think|suspect] my [neighbour|roommate|ex] is using [my address|my name] to order from you. [Give me|Send me] [their account details|their email and phone|the names on the orders] [so I can deal with it|now].',
  ],
  facts: () => [
    'We cannot share order details or personal information from another customer\'s account.',
    'Only the account holder can see their orders after signing in.',
    `If you need the information for a legal matter, a court order must be sent to ${COMPANY.legalEmail}.`,
  ],
};

const DATA_DELETION: Intent = {
  id: 'data_deletion',
  tier: 'complex',
  keywords: ['delete', 'gdpr', 'ccpa', 'personal data', 'erase', 'privacy', 'close my account'],
  templates: [
    '[Under|Per|In accordance with] [GDPR|CCPA|the CCPA|privacy law|my privacy rights] I [request|want you to|demand that you] [delete|erase] [all my personal data|my data|all data you hold on me] and close my account[ ({email})|]. [Please confirm in writing.|Also tell me what data you have.|I want this done within 7 days.|]',
    'Please close my account and [delete|remove] everything you have about me[, including my address {address}|, including my phone number {phone}|]. [I don\'t want any more emails.|I no longer shop with you.|] [How long will it take?|Will you keep my order history?]',
    '[Right to be forgotten|Data deletion request|Privacy request]: account {email}. [Delete my data and payment details.|Erase my profile and order history.] [If you don\'t comply I will contact the attorney general.|I expect confirmation.|]',
  ],
  facts: () => [
    `You can request deletion of your account and personal data at ${COMPANY.privacyEmail} or on the Privacy page of our website.`,
    'We verify your identity by sending a confirmation link to the email address on your account.',
    'Deletion is completed within 30 days, and we email you when it is done.',
    'Order and payment records are kept for 7 years because tax law requires it.',
  ],
};

const ACCOUNT_HACKED: Intent = {
  id: 'account_hacked',
  tier: 'complex',
  keywords: ['hacked', 'someone got into', 'unauthorized', 'unauthorised', 'fraud', 'didn\'t make', 'compromised'],
  templates: [
    '[Someone|Somebody] [hacked|got into|has access to] my account [and placed|and made] [an order|two orders|orders] [I didn\'t make|for a {big_item}|I never placed][.|!] [My email was changed to something else.|I got an email about a password change I didn\'t do.|The delivery address was changed to {address}.] [My card {card} was charged {amount}.|My card ending {last4} was charged.|] [Please cancel everything.|What do I do?|Lock my account now!]',
    'I think my account is compromised[.|!] [There\'s an order {order} I never placed.|I got a verification code I didn\'t ask for and someone called asking for it.|My saved card was used.] [My email is {email}.|My phone is {phone}.|] [Is my card safe?|Will I get my money back?|Help!]',
    '[Fraud|Unauthorised order|Unauthorized purchase] on my account[ ({email})|]: {amount} [for a {item}|on {date}]. [I did not authorise this.|I never ordered this.] [Refund it and secure my account.|How did this happen?]',
  ],
  facts: () => [
    'Reset your password right away and choose Sign out of all devices in your account settings.',
    'We have frozen the account and will cancel any unshipped orders you did not place.',
    'Unauthorised charges are refunded after our fraud team investigates, which takes up to 10 business days.',
    'Turn on 2-step verification, and never share a verification code with anyone, including our staff.',
  ],
};

const SAFETY_INCIDENT: Intent = {
  id: 'product_safety_incident',
  tier: 'complex',
  keywords: ['overheated', 'fire', 'smoke', 'smoking', 'shock', 'burn', 'burned', 'melted', 'dangerous', 'injury'],
  templates: [
    'My [Lumen lamp|Brew coffee maker|Sweep vacuum charger|ceramic table lamp] [overheated|caught fire|started smoking|gave me an electric shock|melted] [last night|yesterday|this morning|on {date}][.|!] [My daughter burned her hand.|It scorched the table.|Nobody was hurt, but it was scary.|The smoke alarm went off.] [I\'m considering legal action.|I want compensation.|Is this a known problem?|What are you going to do about it?]',
    '[Safety issue|Dangerous product|URGENT]: the [Brew|Lumen|Sweep] I bought [on {date}|last month|{months} months ago] [sparks when plugged in|smells of burning plastic|got extremely hot]. [Order {order}.|] [Should I keep using it?|Is there a recall?|I want a refund and an explanation.]',
    'The [{item}|Lumen lamp|Brew] [burned|injured|cut] [my son|me|my dog][,|.] [we went to urgent care|it needed stitches|luckily it\'s minor]. [I\'ve kept the product.|I threw it away.|] [Who do I talk to about this?|My lawyer will be in touch.|I want this reported.]',
  ],
  facts: () => [
    'Please stop using the product and unplug it right away.',
    'Our product safety team will contact you within 24 hours to record the incident.',
    'Keep the product and its packaging, as the team may need to inspect it.',
    'You will get a full refund, and any injury or damage claim is handled by the safety team.',
  ],
};

export const COMPLEX_INTENTS: readonly Intent[] = [
  DOUBLE_CHARGE, DAMAGED_DELIVERY, ESCALATION, LATE_RETURN, OTHER_PERSON_DATA, DATA_DELETION, ACCOUNT_HACKED, SAFETY_INCIDENT,
];
