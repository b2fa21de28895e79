// Common given names (US social-security top names across decades, plus frequent names of South
// Asian, East Asian, Hispanic, African and Middle Eastern origin). A name found only by this list,
// with no cue around it, must be capitalised: lower-case chat relies on the cues in name.ts.
export const FIRST_NAMES: ReadonlySet<string> = new Set(
  `aaron abby abdul abigail adam adrian ahmed aisha alan albert alejandro alex alexander alexandra alexis ali alice alicia
  alisha allison alyssa amanda amara amber amelia amina amir amit amy ana andre andrea andrew andy angela angelica anita
  ann anna anne annie anthony antonio anya arjun arthur ashley astrid ava ayesha barbara beatriz ben benjamin beth bethany
  betty beverly bianca bilal brandon brenda brian brittany bruce bryan caleb cameron camila carl carla carlos carmen carol
  caroline carolyn catherine chen chiara chidi chloe chris christian christina christine christopher cindy claire clara
  connor craig cynthia daisy dan daniel daniela danielle darius david deborah debra denise dennis derek diana diane diego
  dmitri donald donna doris dorothy douglas dylan edward eduardo elena eli elijah elizabeth ella ellen emily emma eric
  erica erin ethan eugene eva evan evelyn fatima felipe felix fernando fiona frances francesca francisco frank gabriel
  gabriela gary gemma george gerald gina giovanni gloria gregory gustavo hannah hao harold harry hassan heather helen
  henry hiroshi holly hugo ian ibrahim igor imani ingrid irene isaac isabel isabella ivan jack jacob jacqueline jake
  james jamal jane janet janice jasmine jason javier jean jeffrey jennifer jeremy jerry jesse jessica jesus jin joan
  joanna joe joel john johnny jonathan jorge jose joseph joshua joyce juan judith judy julia julian julie justin kai
  karen karim kate katherine kathleen kathryn katie keith kelly kenji kenneth kevin khalid kim kimberly kofi kyle laura
  lauren layla leah lee leila leo leon leonardo liam lily linda lisa logan lucas lucia luis luke lydia madeline maggie
  malik manuel marco marcus margaret maria marie marilyn mario marisol martha martin mary mason matthew maya megan mei
  melissa mia michael michelle miguel mike min mohamed mohammed monica muhammad nadia nancy naomi natalie nathan
  nicholas nicole nina noah noor olga oliver olivia omar oscar owen pablo pamela patricia patrick paul paula peter
  philip pooja priya rachel rafael rahul raj rajesh ralph ramon randy raquel rashid raymond rebecca richard rita robert
  roberto rohan ronald rosa ruby russell ruth ryan sabrina samantha samuel sam sandra santiago sara sarah scott sean
  sebastian sergio shannon sharon shirley sofia sophia sophie stephanie stephen steven sunil susan suresh tamara tanya
  teresa terry thomas tiffany timothy tom tomas tyler valentina valeria vanessa vera victor vikram vincent walter
  wei wendy william xavier yasmin yuki yusuf zainab zara zoe ravi anil deepak kavya ananya sanjay sunita lakshmi
  wang li zhang liu yan ming hiro takeshi sakura haruto yuna jiho minjun seo ji-woo olu ngozi emeka tunde aaliyah
  malika zeynep mehmet emre elif`.split(/\s+/).filter(Boolean),
);

/**
 * Given names that are also ordinary words, places or products ("Grace period", "Will it ship",
 * "showroom in Austin", "Charlotte"). Recognised only after a cue, never from the list alone.
 */
export const AMBIGUOUS_NAMES: ReadonlySet<string> = new Set(
  `will grace may june april august rose hope joy faith bill mark chase amber summer autumn sky brook dawn art pat sue
  austin jordan charlotte georgia virginia carolina madison phoenix sydney chelsea dallas denver florence paris victoria
  savannah eden jade ruby crystal destiny faith genesis harmony heaven honor justice liberty miles rich sandy stone
  taylor hunter mason parker page frank lee kim jean don ray roy guy max jack rob sunny lucky cash king`.split(/\s+/).filter(Boolean),
);

/** Words that follow a name cue without being a name: "this is urgent", "I'm not", "thanks again". */
export const NOT_NAMES: ReadonlySet<string> = new Set(
  `a an the my your our their his her its this that these those it i me we you he she they not no yes so very really
  just about regarding for from with and or but to of in on at by is am are was were be been being have has had do does
  did what how why when where who which there here again all also still now ridiculous unacceptable urgent important
  annoying frustrating crazy insane third second first last fourth fifth final getting going taking trying asking
  calling writing contacting waiting looking hoping sure sorry glad happy new back done ok okay fine good great
  terrible awful wrong right correct please thanks thank regards best cheers sincerely team support customer service
  northwind home order account help hi hello hey dear sir madam reply asap advance anyway everyone guys folks much lot
  ridiculously absolutely totally completely a-ok someone somebody anyone nobody one two three four five`.split(/\s+/).filter(Boolean),
);
