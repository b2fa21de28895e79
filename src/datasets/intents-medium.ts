import type { Intent } from './intent.ts';

// Troubleshooting: a device, the app, a payment or a delivery that is not behaving.

const APP_LOGIN: Intent = {
  id: 'app_login_problem',
  tier: 'medium',
  keywords: ['app', 'log in', 'login', 'sign in', 'invalid credentials', 'update', 'something went wrong'],
  templates: [
    '[the|your] app [keeps saying|says|shows] [\'invalid credentials\'|\'something went wrong\'|error 401|a blank screen] when i [log in|try to sign in][,|.] [but|even though] my password [is right|works on the website|is definitely correct][.|]',
    'i can\'t [log in|sign in|get into my account] on the [northwind|] app [on my {phone_model}|anymore|since the update|since yesterday][.| any ideas?| what should i do?| help]',
    '[app|the app|northwind app] login [not working|broken|fails|keeps failing] [since yesterday|after the update|on android|on my {phone_model}][.|!|]',
    'i [signed up|registered] with [apple|google|my apple id] and now the app [asks for a password|won\'t let me in][.| how do i log in?]',
    'the [northwind|] app [logs me out|kicks me out|signs me out] every time i [open it|switch apps|add something to the cart][.| so annoying| is this a bug?]',
    'website login works [fine|ok] but the app on my {phone_model} [doesn\'t|won\'t] [accept|take] my password[.|]',
  ],
  facts: () => [
    'Update the Northwind app to the latest version from the App Store or Google Play.',
    'Sign out, clear the app cache or reinstall the app, then sign in again.',
    'If you signed up with Apple or Google, use that same sign-in button instead of a password.',
    'If it still fails, contact support with your device model and the error message.',
  ],
};

const SMART_LAMP: Intent = {
  id: 'smart_lamp_not_connecting',
  tier: 'medium',
  keywords: ['lumen', 'lamp', 'bulb', 'wifi', 'wi-fi', 'pair', 'connect', 'blinking', 'smart'],
  templates: [
    'my [lumen|northwind lumen] [lamp|smart lamp|bulb|light] [won\'t|will not|doesn\'t|can\'t] connect to [wifi|wi-fi|the app|my network][.| help| any ideas?| what am i doing wrong?]',
    '[set up|setting up|pairing] the lumen [lamp|light|bulb] [keeps failing|fails|times out] [at the last step|every time|in the app][.|, i\'ve tried 3 times.]',
    'lumen [light|lamp] [is blinking|keeps flashing|flashes] and [won\'t pair|isn\'t showing in the app|doesn\'t respond][.|]',
    'i [changed|got a new] [router|wifi|internet provider] and now my lumen [lamps are|lamp is] offline[.| how do i reconnect?]',
    'the app [can\'t find|doesn\'t see|won\'t detect] my [lumen lamp|smart lamp|new lumen][.| i\'m on a {phone_model}.|]',
    'how do i [reset|factory reset] a lumen [lamp|bulb][?| it stopped responding.]',
  ],
  facts: () => [
    'Lumen lamps only connect to 2.4 GHz Wi-Fi networks, not 5 GHz.',
    'Reset the lamp by switching it off and on 5 times until it blinks quickly.',
    'Then add it again in the Northwind app while your phone is within 10 metres of the lamp.',
  ],
};

const ROBOT_VACUUM: Intent = {
  id: 'robot_vacuum_issue',
  tier: 'medium',
  keywords: ['sweep', 'vacuum', 'robot', 'dock', 'charge', 'charging', 'e2', 'brush'],
  templates: [
    'my sweep [robot vacuum|vacuum|robot] [keeps stopping|stops|beeps] [with|and shows] [error|code] E2[.| what does that mean?]',
    '[the|my] sweep [won\'t|doesn\'t] [charge|go back to the dock|dock|find its base][.| what do i do?]',
    'sweep vacuum [not picking up|leaving] [dirt|crumbs|hair|dust][,| -] [is it broken|help|any tips][?|]',
    'the sweep [stopped working|died|gets stuck] [after {days} days|after a week|in the middle of the room][.| it beeps twice.]',
    '[robot vacuum|sweep] [error E2|beeping error][,|] [already|i] cleaned it[.|] still [happening|not working]',
    'how do i update the firmware on my sweep[?| it keeps stopping.]',
  ],
  facts: () => [
    'Error E2 means a wheel or brush is blocked, so remove hair and debris from the brushes and wheels.',
    'Wipe the charging contacts on the robot and the dock with a dry cloth and make sure the dock is plugged in.',
    'Install the latest firmware from the Northwind app under Device settings.',
    'If the problem continues, we can arrange a repair under warranty.',
  ],
};

const COFFEE_MAKER: Intent = {
  id: 'coffee_maker_issue',
  tier: 'medium',
  keywords: ['brew', 'coffee', 'descale', 'descaling', 'blinking light', 'machine'],
  templates: [
    '[my|the] brew coffee maker [is blinking|flashes orange|has a blinking light|shows an orange light][.|, what does it mean?| and won\'t brew.]',
    'coffee [tastes|is coming out] [bitter|weak|slowly|lukewarm] from my [northwind brew|brew machine|brew][.| why?|]',
    'how do i descale [the|my] brew [coffee maker|machine][?|]',
    'the brew [takes forever|is really slow|makes a gurgling noise] [now|lately|since last month][.| is it broken?]',
    'brew machine [orange light|light blinking|won\'t stop blinking][.|] [help|what do i do][?|]',
  ],
  facts: () => [
    'A blinking orange light means the Brew needs descaling, which we recommend every 3 months.',
    'Fill the tank with equal parts white vinegar and water, run the Clean cycle, then run 2 cycles of fresh water.',
    'Slow or lukewarm coffee is usually fixed by descaling as well.',
  ],
};

const PAYMENT_DECLINED: Intent = {
  id: 'payment_declined',
  tier: 'medium',
  keywords: ['declined', 'decline', 'checkout', 'payment failed', 'won\'t go through', 'hold'],
  templates: [
    'my [card|payment|credit card|debit card] [keeps getting|was|is being] declined [at checkout|when i try to pay|on your site][.| why?| but it works everywhere else.]',
    '[checkout|payment] [failed|won\'t go through|isn\'t working] [but|and] [i have money in my account|my bank says it\'s fine|i was still charged|i see a pending charge][.|]',
    'why was my [card|payment] declined[? card ending {last4}.|?]',
    'i tried to pay [three times|a few times|twice] and now [checkout is locked|it says try again later|i see pending charges][.| what\'s going on?]',
    'payment [error|declined] [with|on] my [visa|mastercard|amex][,|.] [my card number is {card}.|card ends in {last4}.|]',
  ],
  facts: () => [
    'Check that the billing address matches the one your bank has and that the card has not expired.',
    'A declined attempt can leave a temporary authorisation hold that your bank releases within 3 to 5 business days.',
    'After 3 declined attempts checkout is locked for 24 hours, so try PayPal or another card instead.',
  ],
};

const PROMO_CODE: Intent = {
  id: 'promo_code_problem',
  tier: 'medium',
  keywords: ['promo', 'code', 'coupon', 'discount', 'voucher code', 'apply'],
  templates: [
    '[the|my] [promo|discount|coupon] code {code} [isn\'t working|is not working|doesn\'t work|won\'t apply][.|!|]',
    '[why|how come] [won\'t|doesn\'t] [the|my] [code|discount code] {code} apply [to my cart|at checkout|to the {item}][?|]',
    'i forgot to use [my|a] [promo|discount] code [on|for] [my order|order {order}][,|.] can you [apply it|still apply it|refund the difference][?|]',
    'it says [\'invalid code\'|\'code not valid\'|code expired] for {code}[ but the email says it\'s valid|][.|]',
    'can i use [two|2|multiple] [promo|discount] codes [on one order|together][?| {code} and another one]',
  ],
  facts: () => [
    'Promo codes are case-sensitive and only one code can be used per order.',
    'Codes do not apply to clearance items or gift cards, and each code has an expiry date.',
    'If you forgot a valid code, contact us within 7 days of ordering and we will refund the difference.',
  ],
};

const MISSING_ITEM: Intent = {
  id: 'missing_item',
  tier: 'medium',
  keywords: ['missing', 'only got', 'part of my order', 'not included', 'incomplete', 'box'],
  templates: [
    'i only [got|received] [part of|some of|half of] my order[ {order}|][.| where is the rest?| one box is missing.| the {item} wasn\'t in the box.]',
    '[my|the] {item} [is missing|wasn\'t included|never came|was not in the delivery] [from|in] [my order|order {order}][.|]',
    'the order says delivered but [one item|the {item}|a box] is missing[.| order {order}.|]',
    'got [2|two] of [3|three] boxes for [my order|{order}][,|.] [is the last one coming|should i wait][?|]',
    'the {item} [box was empty|was missing from the box|had parts missing][.| what now?]',
  ],
  facts: () => [
    'Orders often ship in several boxes from different warehouses, so check the tracking link for each parcel.',
    'If an item is still missing after all boxes are delivered, report it within 7 days.',
    'We then ship a replacement at no cost or refund the item.',
  ],
};

const TRACKING_STUCK: Intent = {
  id: 'tracking_stuck',
  tier: 'medium',
  keywords: ['tracking', 'stuck', 'not updated', 'hasn\'t moved', 'lost', 'no update'],
  templates: [
    '[my|the] tracking [hasn\'t updated|has not moved|is stuck|hasn\'t changed] [in|for] {days} days[ for {order}|][.| is it lost?| what\'s happening?]',
    'my package [is stuck|has been sitting] [in|at] [a warehouse|the same hub|transit] [since {date}|for a week][.| order {order}.|]',
    '[is my order lost|did my parcel get lost][?| tracking for {order} hasn\'t changed.]',
    'tracking [just says|still says|only shows] [\'label created\'|\'in transit\'|\'pending\'] [for days|since {date}|after {days} days][.|]',
  ],
  facts: () => [
    'Tracking can pause for up to 2 business days while parcels move between carrier hubs.',
    'If there is no update for 5 business days, we open a trace with the carrier.',
    'If the parcel is confirmed lost, we send a replacement or a full refund.',
  ],
};

const MARKED_DELIVERED: Intent = {
  id: 'package_marked_delivered',
  tier: 'medium',
  keywords: ['says delivered', 'marked delivered', 'not received', 'didn\'t receive', 'never arrived', 'stolen'],
  templates: [
    '[my|the] [package|parcel|order] says delivered but [i don\'t have it|nothing arrived|it\'s not here|i never got it][.| {order}|]',
    'tracking [shows|says] delivered [yesterday|today|on {date}] but [there\'s nothing at my door|i was home all day and nobody came][.|]',
    'i think my package was [stolen|delivered to the wrong house|left at the wrong address][.| order {order}.| what can you do?]',
    '[order|package] {order} marked as delivered[,|.] [not received|never showed up|where is it][?|.]',
  ],
  facts: () => [
    'Check around your property, with neighbours and in your mailbox or parcel locker.',
    'Carriers sometimes mark parcels as delivered up to 24 hours early.',
    'If it has not turned up after 2 days, contact us and we will open a carrier investigation.',
  ],
};

const ACCOUNT_LOCKED: Intent = {
  id: 'account_locked',
  tier: 'medium',
  keywords: ['locked', 'lock', 'too many attempts', 'blocked', 'suspended'],
  templates: [
    'my account [is|got] locked[ after too many attempts| for some reason|][.| how do i unlock it?|]',
    '[it says|the site says|the app says] my account is [temporarily locked|locked][.| what now?| for how long?]',
    'i [entered|typed] the wrong password [a few times|too many times|5 times] and now i\'m [locked out|blocked][.| help]',
    'account [locked|blocked] [{email}|][ - can you unlock it|][?|]',
  ],
  facts: () => [
    'Accounts lock for 30 minutes after 5 failed sign-in attempts.',
    'Wait 30 minutes, then use Forgot password to set a new password.',
    'If the account locks again, contact support so we can check it for unusual activity.',
  ],
};

const WRONG_ITEM: Intent = {
  id: 'wrong_item',
  tier: 'medium',
  keywords: ['wrong item', 'wrong colour', 'wrong color', 'wrong size', 'different item', 'not what i ordered'],
  templates: [
    'i [received|got] the wrong [item|colour|color|size|product][.|,] i ordered a {item} [but got|and got] [something else|a different one|a {other_item} instead][.|]',
    '[this is not|that\'s not|it\'s not] what i ordered[.|!] [order {order}|i wanted a {item}][.|]',
    'you sent me [a blue one instead of grey|the wrong size|someone else\'s order|the wrong {item}][.| order {order}.| how do i swap it?]',
    'wrong [item|product] [delivered|in the box][,|.] [need|want] the [right|correct] one [asap|please|before {date}][.|]',
  ],
  facts: () => [
    'We will send the correct item at no cost as soon as you report the mix-up.',
    'We email you a prepaid label to return the wrong item within 30 days.',
    'Please send a photo of the item and its shipping label so we can fix the error.',
  ],
};

const FREIGHT_DELIVERY: Intent = {
  id: 'freight_delivery_scheduling',
  tier: 'medium',
  keywords: ['freight', 'carrier', 'schedule', 'reschedule', 'delivery window', 'furniture delivery'],
  templates: [
    'how does [furniture|freight|large item] delivery work[?| for a {big_item}?]',
    'when will the [delivery company|carrier|freight company] call me [about my {big_item}|to schedule delivery][?|]',
    'i need to reschedule [my|the] [freight|furniture|{big_item}] delivery[.| i\'m away on {date}.|]',
    'nobody has called to [schedule|book] [my|the] {big_item} delivery[ and it shipped {days} days ago|][.|]',
    'do i need to be home for the {big_item} delivery[?| can they leave it outside?]',
  ],
  facts: () => [
    'The freight carrier calls you within 2 business days of dispatch to book a 4-hour delivery window.',
    'You can reschedule directly with the carrier using the phone number in your dispatch email.',
    'Someone aged 18 or over must be home to sign for the delivery.',
  ],
};

const CONFIRMATION_EMAIL: Intent = {
  id: 'confirmation_email_missing',
  tier: 'medium',
  keywords: ['confirmation', 'email', 'receipt', 'didn\'t get an email', 'no email'],
  templates: [
    'i [didn\'t get|never received|haven\'t received] [an|my|the] order confirmation [email|e-mail][.| did my order go through?]',
    'no [confirmation|receipt] email [after|for] [my order|checkout|{order}][,|.] [was i charged|is it placed][?|]',
    '[where is|can you resend] my [receipt|order confirmation][?| my email is {email}.]',
    'paid but [got no email|no confirmation came][.| {email}|]',
  ],
  facts: () => [
    'Order confirmation emails are sent within 15 minutes of checkout.',
    'Check your spam or promotions folder and make sure the email address on your account is correct.',
    'Every order you placed is also listed in My Account > Orders.',
  ],
};

export const MEDIUM_INTENTS: readonly Intent[] = [
  APP_LOGIN, SMART_LAMP, ROBOT_VACUUM, COFFEE_MAKER, PAYMENT_DECLINED, PROMO_CODE, MISSING_ITEM, TRACKING_STUCK,
  MARKED_DELIVERED, ACCOUNT_LOCKED, WRONG_ITEM, FREIGHT_DELIVERY, CONFIRMATION_EMAIL,
];
