/**
 * Northwind Home: the fictional online home-goods retailer behind the sample logs.
 * Every fact a reference answer states comes from here or from the intents, so the
 * simulator and the generator agree on what a correct answer says.
 */
export const COMPANY = {
  name: 'Northwind Home',
  phone: '1-800-555-0199',
  supportEmail: 'support@northwindhome.example',
  privacyEmail: 'privacy@northwindhome.example',
  complaintsEmail: 'complaints@northwindhome.example',
  legalEmail: 'legal@northwindhome.example',
  website: 'northwindhome.example',
} as const;

export interface Showroom {
  city: string;
  address: string;
}

export const SHOWROOMS: readonly Showroom[] = [
  { city: 'Portland', address: '1200 NW Glisan Street' },
  { city: 'Denver', address: '1420 Larimer Street' },
  { city: 'Austin', address: '600 Congress Avenue' },
  { city: 'Chicago', address: '215 West Hubbard Street' },
  { city: 'Boston', address: '88 Newbury Street' },
];

/** Cities customers ask about where there is no showroom. */
export const OTHER_CITIES = ['Miami', 'Phoenix', 'Atlanta', 'Seattle', 'Minneapolis', 'Nashville', 'San Diego', 'Detroit', 'Charlotte', 'Salt Lake City'];

export const PRODUCTS = [
  'oak dining table', 'linen duvet cover', 'velvet sofa', 'ceramic table lamp', 'bath towel set', 'cast iron skillet',
  'wool rug', 'bookshelf', 'queen bed frame', 'blackout curtains', 'stand mixer', 'desk chair', 'memory foam mattress',
  'walnut coffee table', 'cotton sheet set', 'floor mirror', 'dinnerware set', 'shoe cabinet', 'accent chair', 'floor lamp',
  'knife block', 'throw blanket', 'sectional sofa', 'nightstand', 'patio set', 'down pillow', 'rattan basket', 'tv stand',
];

export const LARGE_PRODUCTS = [
  'sectional sofa', 'velvet sofa', 'oak dining table', 'queen bed frame', 'bookshelf', 'wardrobe', 'memory foam mattress',
  'walnut coffee table', 'patio set', 'tv stand', 'dresser', 'king bed frame',
];

export const PHONE_MODELS = ['iPhone 15', 'iPhone 12', 'Pixel 8', 'Galaxy S23', 'Galaxy A54', 'iPad', 'OnePlus 11', 'Android phone'];

export const US_STATES = ['Texas', 'Ohio', 'California', 'Florida', 'New York', 'Oregon', 'Maine', 'Alaska', 'Hawaii', 'Colorado', 'Georgia', 'Vermont'];

export const FIRST_NAMES = [
  'Priya', 'Sam', 'Maria', 'James', 'Aisha', 'Tom', 'Mei', 'Carlos', 'Olivia', 'Noah', 'Fatima', 'Liam', 'Grace', 'Diego',
  'Hannah', 'Kenji', 'Zoe', 'Marcus', 'Elena', 'Ben', 'Chloe', 'Raj', 'Nina', 'Owen', 'Sofia', 'Ethan', 'Amara', 'Lucas',
];

export const LAST_NAMES = [
  'Patel', 'Nguyen', 'Garcia', 'Smith', 'Khan', 'Brown', 'Chen', 'Lopez', 'Johnson', 'Okafor', 'Miller', 'Tanaka', 'Rossi',
  'Kowalski', 'Davis', 'Silva', 'Murphy', 'Schmidt', 'Ali', 'Walker', 'Kim', 'Novak', 'Reyes', 'Fischer',
];

export const STREETS = ['Maple Avenue', 'Oak Street', 'Cedar Lane', 'Pine Road', 'Elm Street', 'Lakeview Drive', 'Hillcrest Court', 'Birch Way'];

export const PROMO_CODES = ['SPRING20', 'WELCOME10', 'HOME15', 'FREESHIP', 'SAVE25', 'BEDROOM30', 'NWVIP', 'SUMMER5'];
