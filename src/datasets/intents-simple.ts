import { COMPANY, SHOWROOMS } from './company.ts';
import type { Intent } from './intent.ts';

// FAQ-like lookups: one topic, facts that never depend on the customer's account.

function cityList(): string {
  const cities = SHOWROOMS.map((showroom) => showroom.city);
  return `${cities.slice(0, -1).join(', ')} and ${cities[cities.length - 1] ?? ''}`;
}

const HOURS: Intent = {
  id: 'customer_service_hours',
  tier: 'simple',
  keywords: ['hours', 'open', 'opening', 'close', 'closing', 'available', 'weekend', 'sunday', 'saturday', 'time'],
  templates: [
    '[what are|what\'re|what r] your [opening|business|customer service|support|office] hours[?|]',
    '[when|what time] [are you|is customer service|is your support team|is the help desk|is support] open[?| today?| on weekends?| on saturday?| tomorrow?]',
    '[are you|is anyone|is customer service] [open|around|available] on [sundays|sunday|saturdays|the weekend|public holidays|memorial day][?|]',
    'what time does [your|the] [customer service|support|help] [team|line|desk|chat] close[?| tonight?| on fridays?]',
    '[can i|is it possible to|could i] [call|reach|contact|phone] you [on a saturday|at 9pm|late in the evening|before work at 7am|on sunday morning|during my lunch break][?|]',
    '[hours of operation|support hours|customer service hours|opening times][?| please| pls|]',
    '[i need to|i want to|i\'d like to] [speak|talk] to [someone|a person|an agent][,| -| so] what [are your hours|time do you open|time are you available][?|]',
    'is [live chat|your chat|the chat] [available|staffed|open] [24/7|all day|at night|on weekends][?|]',
    'when can i [reach|call|get hold of] [Northwind|Northwind Home|you guys|your team|a human][?|]',
    '[till|until] what time [is your phone line open|can i call|is chat open] [today|on weekdays|on saturday][?|]',
    'do you [have|keep] [weekend|evening|late] [hours|support][?|]',
  ],
  facts: () => [
    'Our customer service team is available Monday to Friday from 8am to 8pm Eastern Time.',
    'On Saturdays we are open from 9am to 5pm Eastern Time, and we are closed on Sundays and public holidays.',
    `Phone (${COMPANY.phone}), live chat and email all follow these hours.`,
  ],
};

const SHOWROOM_HOURS: Intent = {
  id: 'showroom_hours',
  tier: 'simple',
  keywords: ['showroom', 'store', 'address', 'location', 'visit', ...SHOWROOMS.map((showroom) => showroom.city.toLowerCase())],
  templates: [
    'what time does the {city} [showroom|store] [open|close][?| on sunday?| today?| on saturdays?]',
    '[is|are] [your|the] {city} [store|showroom|location] open [on sundays|today|this weekend|late|on saturday evening][?|]',
    '{city} [store|showroom] [hours|opening times|address][?|]',
    '[where is|what\'s the address of|how do i find] [your|the] {city} [showroom|store][?| and when is it open?]',
    'i\'m [visiting|in|going to be in] {city} [next week|this weekend|tomorrow|on {date}], [can i|could i] [see|try|sit on] the [sofas|beds|tables|mattresses] in person [somewhere|at a store][?|]',
    'do you have a [store|showroom|physical store] in {city}[?| and what are the hours?]',
    'hours for [the|your] {city} [location|showroom][?| on the weekend?]',
    'can i [pick up|look at|see] a {item} at the {city} [showroom|store][?|]',
  ],
  facts: (slots) => {
    const city = slots('city');
    const showroom = SHOWROOMS.find((candidate) => candidate.city === city);
    const where = showroom
      ? `Our ${showroom.city} showroom is at ${showroom.address}.`
      : `We have showrooms in ${cityList()}.`;
    return [
      where,
      'All Northwind Home showrooms are open Monday to Saturday from 10am to 7pm and Sunday from 11am to 5pm.',
      'Items you see in a showroom can be ordered on the spot for home delivery.',
    ];
  },
};

const SHOWROOM_LOCATIONS: Intent = {
  id: 'showroom_locations',
  tier: 'simple',
  keywords: ['stores', 'showrooms', 'locations', 'physical', 'near me', 'in person'],
  templates: [
    'where are your [stores|showrooms|locations][?|]',
    'do you have [any|a] [physical|brick and mortar|real] [stores|store|showroom][?| near me?]',
    'is there a [northwind|northwind home|] [store|showroom] in {other_city}[?| or nearby?]',
    'can i [visit|go to] a [store|showroom] [to see|and look at|to touch] [the|a] {item} before [buying|i buy|ordering][?|]',
    '[any|do you have any] plans to open a [store|showroom] in {other_city}[?|]',
    'nearest [showroom|store] to {other_city}[?|]',
    'are you [online only|only online|an online-only store][?| or do you have shops?]',
  ],
  facts: () => [
    `We have showrooms in ${cityList()}.`,
    `Everything else is sold online at ${COMPANY.website} with delivery across the US and Canada.`,
    'Showroom addresses and opening times are on the Showrooms page of our website.',
  ],
};

const RETURN_POLICY: Intent = {
  id: 'return_policy',
  tier: 'simple',
  keywords: ['return', 'returns', 'send back', 'policy', 'exchange', 'refund'],
  templates: [
    'what is your return policy[?|]',
    '[can i|how do i|how can i|is it possible to] return [a|my|the] {item}[?| i bought online?]',
    'how [many days|long] do i have to return [something|an item|my order|the {item}][?|]',
    'i [don\'t like|changed my mind about|am not happy with|regret buying] the {item}[,|.| -] can i [send it back|return it][?|]',
    '[is there a|what\'s the|what is the] return [window|deadline|period|time limit][?|]',
    'do i have to pay for return shipping[?| on a {item}?]',
    'can i return [a used|an opened|an assembled|a washed] {item}[?|]',
    '[can i|how do i] [exchange|swap] [a|my] {item} for a different [size|colour|color|style][?|]',
    'returns[?| policy?| - how does it work?]',
    'the {item} [doesn\'t fit|is the wrong shade|looks different from the photos][,|.] how do returns work[?|]',
    'bought a {item} as a gift[,|.] can the person return it[?|]',
  ],
  facts: () => [
    'You can return most items within 30 days of delivery for a full refund.',
    'Items must be unused and in their original packaging.',
    'Start the return from My Account > Orders to get a prepaid label, and a $6.95 return shipping fee is deducted unless you are a Northwind Rewards member.',
  ],
};

const SHIPPING: Intent = {
  id: 'shipping_times_costs',
  tier: 'simple',
  keywords: ['shipping', 'delivery', 'deliver', 'arrive', 'express', 'free shipping', 'how long'],
  templates: [
    'how long does [shipping|delivery|standard shipping] take[?| to {state}?]',
    'how much is [shipping|delivery][?| to {state}?]',
    'do you [offer|have|do] free [shipping|delivery][?| over a certain amount?]',
    'when will [my|a] {item} arrive if i order [today|now|tonight|this morning][?|]',
    '[is there|do you have|can i get] [express|next day|faster|expedited|rush] [shipping|delivery][?|]',
    'what are [the|your] delivery [times|options|charges|fees][?|]',
    'shipping [cost|price|fee] for [a|an] {item}[?|]',
    'how [fast|quickly|soon] [can you deliver|do you ship|will it get here][?| to {state}?]',
    'what\'s the minimum order for free [shipping|delivery][?|]',
    'how long does it take to [get|receive] a {big_item}[?|]',
  ],
  facts: () => [
    'Standard shipping takes 3 to 5 business days and costs $5.95, or is free on orders over $75.',
    'Express shipping takes 1 to 2 business days and costs $14.95.',
    'Large furniture is delivered by freight in 7 to 14 business days.',
  ],
};

const INTERNATIONAL: Intent = {
  id: 'international_shipping',
  tier: 'simple',
  keywords: ['canada', 'international', 'abroad', 'overseas', 'uk', 'mexico', 'country', 'outside'],
  templates: [
    'do you ship to [canada|the uk|mexico|australia|germany|europe|ireland|puerto rico][?|]',
    '[can i|can you] [order|ship] [from|to] [outside the us|abroad|overseas|canada|another country][?|]',
    'international [shipping|delivery|orders][?| available?]',
    'i live in [toronto|vancouver|london|berlin|sydney|montreal][,|.] can i [order|buy] from you[?|]',
    'do you [charge|add] [customs|duties|import fees] for [canada|international orders][?|]',
    'can i use a [freight forwarder|package forwarding service|forwarding address][?|]',
  ],
  facts: () => [
    'We ship within the United States and to Canada only.',
    'Canadian orders arrive in 5 to 10 business days, with duties and taxes paid at checkout.',
    'We cannot ship to other countries or to freight forwarders.',
  ],
};

const WARRANTY: Intent = {
  id: 'warranty',
  tier: 'simple',
  keywords: ['warranty', 'guarantee', 'covered', 'defect', 'defective'],
  templates: [
    'what[\'s| is] the warranty on [a|the|my] {item}[?|]',
    '[is|does] [the|my] {item} [come with|have] a [warranty|guarantee][?|]',
    'how long is [the|your] warranty[?| for furniture?| on appliances?| on smart devices?]',
    '[does|will] the warranty cover [scratches|a broken leg|accidental damage|a faulty motor|fading|a wobbly frame][?|]',
    'how do i make a warranty claim[?| for my {item}?]',
    '[warranty|guarantee] [info|details|length][?| please]',
    'is my {item} still under warranty [if i bought it|after buying it] [last year|{months} months ago][?|]',
  ],
  facts: () => [
    'Furniture has a 2-year limited warranty, and small appliances and smart devices have a 1-year warranty.',
    'The warranty covers manufacturing defects but not normal wear, misuse or accidental damage.',
    `To make a claim, send your order number and a photo of the fault to ${COMPANY.supportEmail}.`,
  ],
};

const PASSWORD_RESET: Intent = {
  id: 'password_reset',
  tier: 'simple',
  keywords: ['password', 'reset', 'forgot', 'login', 'log in', 'sign in'],
  templates: [
    'how do i reset my password[?| on the website?]',
    '[i forgot|forgot|i\'ve forgotten] my password[|, help|, what do i do?|.]',
    '[can\'t|cannot|cant] remember my [password|login|pw][,| -] how do i [get back in|reset it][?|]',
    '[password reset|reset password|reset my password] [please|pls|]',
    'how [can|do] i change my password[?| for {email}?]',
    'the password reset email [never came|isn\'t arriving|hasn\'t arrived|didn\'t come through][.| i checked {email}.|]',
    'how long is the [reset|password reset] link valid[?|]',
    'need to [reset|change] the password on my [account|northwind account][,| -] [how|steps][?|]',
  ],
  facts: () => [
    'Select Forgot password on the sign-in page and enter the email address on your account.',
    'We email you a reset link that is valid for 60 minutes.',
    'If the email does not arrive within 10 minutes, check your spam folder or contact support.',
  ],
};

const LOYALTY: Intent = {
  id: 'loyalty_program',
  tier: 'simple',
  keywords: ['rewards', 'loyalty', 'points', 'member', 'membership', 'redeem'],
  templates: [
    'how does [your|the] [rewards|loyalty|points] [program|programme|scheme] work[?|]',
    '[what is|tell me about|explain] northwind rewards[?|]',
    'how do i [earn|use|redeem|check] [my|] [points|rewards|reward points][?|]',
    'is [the|your] [rewards|loyalty] [program|programme|membership] free[?| to join?]',
    'do [my|reward|loyalty] points expire[?|]',
    'how many points [do i get|do you get|is a] per dollar[?|]',
    '[what are the|any] perks of [being a member|joining rewards|the loyalty program][?|]',
    'how much is 100 points worth[?|]',
  ],
  facts: () => [
    'Northwind Rewards is free to join from your account page.',
    'You earn 1 point per dollar spent, and every 100 points becomes a $5 reward.',
    'Members get free return shipping, and points expire after 12 months without a purchase.',
  ],
};

const PAYMENT_METHODS: Intent = {
  id: 'payment_methods',
  tier: 'simple',
  keywords: ['pay', 'payment', 'paypal', 'apple pay', 'klarna', 'installments', 'card', 'accept'],
  templates: [
    'what [payment methods|forms of payment|ways to pay|cards] do you [accept|take][?|]',
    '[can i|do you take|do you accept|can i pay with] [paypal|apple pay|google pay|amex|american express|klarna|cash on delivery|a check|bitcoin|discover|venmo][?|]',
    'can i pay in [installments|instalments|monthly payments|4 payments][?|]',
    'is [buy now pay later|klarna|afterpay] [available|an option][?| for a {big_item}?]',
    'do you [accept|take] [debit cards|prepaid cards|gift cards][?|]',
    'payment options[?| for orders over $500?]',
  ],
  facts: () => [
    'We accept Visa, Mastercard, American Express, Discover, PayPal, Apple Pay, Google Pay and Northwind gift cards.',
    'Klarna lets you pay in 4 interest-free instalments on orders between $50 and $1,000.',
    'We do not accept cash on delivery, checks or cryptocurrency.',
  ],
};

const ORDER_TRACKING: Intent = {
  id: 'order_tracking',
  tier: 'simple',
  keywords: ['track', 'tracking', 'where is my order', 'shipped', 'status', 'package'],
  templates: [
    '[where is|where\'s|wheres] my order[?| {order}?]',
    'how do i track [my|an] [order|package|delivery|parcel][?|]',
    '[can you|could you] [track|check on|look up] [order|my order] {order}[?| please]',
    '[tracking|track|status of] [order|] {order}',
    'has my [order|package|{item}] shipped [yet|][?|]',
    'i [ordered|bought] a {item} [last week|on {date}|a few days ago][,|.] [when will it arrive|how can i see where it is|how do i track it][?|]',
    '[order status|status of my order][?| {order}]',
    'is there a tracking number for [my order|{order}][?|]',
  ],
  facts: () => [
    'Sign in and go to My Account > Orders, then select Track package next to your order.',
    'We also email you a tracking link as soon as your order ships.',
    'Tracking can take up to 24 hours to show the first scan.',
  ],
};

const REFUND_TIMELINE: Intent = {
  id: 'refund_timeline',
  tier: 'simple',
  keywords: ['refund', 'money back', 'refunded', 'credit'],
  templates: [
    'how long do refunds take[?| to process?]',
    'when will i get my [refund|money back][?| for {order}?]',
    'i [returned|sent back] [my|the] {item} [last week|on {date}|a few days ago][,|.] [when|how soon] will [i see the refund|the money be back|i get refunded][?|]',
    '[refund|refunds] [processing time|timeline|timeframe][?|]',
    'how [long|many days] until [a|my] refund [shows up|appears] on my [card|statement|paypal][?|]',
    'do you refund to the original [card|payment method][?|]',
  ],
  facts: () => [
    'We issue your refund within 5 business days of the return reaching our warehouse.',
    'Card refunds then take 3 to 10 business days to appear, depending on your bank.',
    'PayPal refunds usually appear within 2 business days.',
  ],
};

const GIFT_CARDS: Intent = {
  id: 'gift_cards',
  tier: 'simple',
  keywords: ['gift card', 'giftcard', 'voucher', 'balance'],
  templates: [
    'do [northwind|your] gift cards expire[?|]',
    'how do i check my gift card balance[?|]',
    'can i [buy|get|send] a gift card[?| for my mom?| as a present?| by email?]',
    '[can i|can you] [cash out|refund|exchange] a gift card[ for cash|][?|]',
    'what amounts do gift cards come in[?|]',
    'i [got|received] a northwind gift card[,|.] [how do i use it|does it have an expiry date][?|]',
  ],
  facts: () => [
    'Northwind gift cards never expire and come in amounts from $25 to $500.',
    'You can check the balance on the Gift Cards page of our website.',
    'Gift cards cannot be exchanged for cash.',
  ],
};

const PRICE_MATCH: Intent = {
  id: 'price_match',
  tier: 'simple',
  keywords: ['price match', 'cheaper', 'lower price', 'sale', 'difference', 'match'],
  templates: [
    'do you [price match|match prices|offer price matching][?|]',
    'i saw [the|a|this] {item} cheaper [at another store|on another website|elsewhere|on amazon][,|.] [will you match it|can you match the price][?|]',
    'the {item} i bought [last week|on {date}|a few days ago] is now on sale[,|.] can i get the difference[?| back?]',
    'price [match|adjustment] [policy|rules][?|]',
    'if the price [drops|goes down] after i buy[,|] do i get [the difference|a refund][?|]',
  ],
  facts: () => [
    'We match the price of identical items sold by major US retailers within 14 days of your purchase.',
    'Price matching excludes clearance items, marketplace sellers and flash sales.',
    'Ask for a price match through live chat with a link to the lower price.',
  ],
};

const CANCEL_ORDER: Intent = {
  id: 'cancel_order',
  tier: 'simple',
  keywords: ['cancel', 'cancellation', 'cancelled', 'by mistake', 'changed my mind'],
  templates: [
    'how do i cancel [my|an] order[?|]',
    '[can i|i want to|please|i need to] cancel [order|my order] {order}[?|.|]',
    'i [placed|made] an order [by mistake|twice|an hour ago|for the wrong {item}][,|.] can [i|you] cancel it[?|]',
    'is it too late to cancel [my order|{order}][?|]',
    'cancel [my|an] order[ please|]',
    'how long do i have to cancel [an order|after ordering][?|]',
  ],
  facts: () => [
    'You can cancel an order within 1 hour of placing it from My Account > Orders.',
    'After that hour the order has gone to our warehouse and cannot be cancelled.',
    'Once it arrives you can return it within 30 days.',
  ],
};

const CHANGE_ADDRESS: Intent = {
  id: 'change_address',
  tier: 'simple',
  keywords: ['address', 'change address', 'moved', 'wrong address', 'ship to'],
  templates: [
    'can i change [my|the] [delivery|shipping] address[ for {order}| on my order|][?|]',
    'i [moved|put the wrong address|made a typo in my address][,|.] [how do i|can i] update [the|my] shipping address[?|]',
    'please [send|ship] [order|my order] {order} to {address} instead[.|]',
    '[update|change] delivery address [to {address}|][ for {order}|][ please|]',
    'can you [redirect|reroute] my [package|order][?| it\'s {order}]',
  ],
  facts: () => [
    'You can change the shipping address until the order ships.',
    `Contact us by live chat or call ${COMPANY.phone} with your order number and the new address.`,
    'Once an order has shipped, the address can no longer be changed.',
  ],
};

const CONTACT: Intent = {
  id: 'contact_details',
  tier: 'simple',
  keywords: ['contact', 'phone number', 'email address', 'call', 'human', 'agent', 'chat'],
  templates: [
    'how [can|do] i contact [you|customer service|support|a human|an agent][?|]',
    'what is your [phone number|email address|customer service number|support email][?|]',
    '[is there|do you have] a [phone number|number i can call|live chat|support email][?|]',
    '[customer service|support] [number|email|contact][?| please]',
    'how long does it take to get a reply to an email[?|]',
    '[i want to|can i] talk to [a real person|someone|an actual human][?|]',
  ],
  facts: () => [
    `You can call us on ${COMPANY.phone} or email ${COMPANY.supportEmail}.`,
    'Live chat is available on our website and in the Northwind app.',
    'Email replies are sent within 1 business day.',
  ],
};

const ASSEMBLY: Intent = {
  id: 'assembly_service',
  tier: 'simple',
  keywords: ['assembly', 'assemble', 'install', 'installation', 'put together', 'white glove'],
  templates: [
    'do you [offer|have|do] [assembly|furniture assembly|installation][?| for the {big_item}?]',
    'can someone [assemble|put together|build|set up] [the|my] {big_item} for me[?|]',
    'how much is [assembly|the assembly service|white glove delivery][?|]',
    'is assembly [included|free|extra][?| with a {big_item}?]',
    'do your [delivery people|drivers|movers] [assemble|set up] [furniture|the {big_item}][?|]',
  ],
  facts: () => [
    'Our assembly service costs $79 per item and can be added at checkout.',
    'It is available in the 48 contiguous states for furniture delivered by freight.',
    'Assembly is done on the delivery day, and the team takes the packaging away.',
  ],
};

export const SIMPLE_INTENTS: readonly Intent[] = [
  HOURS, SHOWROOM_HOURS, SHOWROOM_LOCATIONS, RETURN_POLICY, SHIPPING, INTERNATIONAL, WARRANTY, PASSWORD_RESET, LOYALTY,
  PAYMENT_METHODS, ORDER_TRACKING, REFUND_TIMELINE, GIFT_CARDS, PRICE_MATCH, CANCEL_ORDER, CHANGE_ADDRESS, CONTACT, ASSEMBLY,
];
