/**
 * Builds data/intent/train.jsonl, the labelled set the local intent classifier is trained on:
 * hand-written sentences per label, combined deterministically with greetings, sign-offs and
 * neutral context lines shared by every label (so those carry no signal). Run after editing:
 *   npx tsx src/flows/intent/training-set.ts
 * The held-out set (data/intent/holdout.jsonl) is written separately, by hand, in other words.
 */
import { writeFileSync } from 'node:fs';
import { mulberry32 } from '../../random/index.js';
import { dataPath } from '../data-path.js';

export const SENTENCES: Record<'high' | 'medium' | 'low' | 'not_sales', string[]> = {
  high: [
    'Can you send me a quote for 50 seats?',
    'We are ready to move forward and would like to see the contract.',
    'Please send pricing for the enterprise plan, we want to buy this quarter.',
    'Our budget is approved and we need to sign before the end of the month.',
    'Could we schedule a demo this week? We are choosing a vendor by Friday.',
    'We want to upgrade from the trial to a paid plan today.',
    'Who do I talk to about purchasing licences for my whole team?',
    'Send over the order form and we will get it signed.',
    'Our procurement team needs your security questionnaire and a W-9 to onboard you as a vendor.',
    'We have decided to go with you, what are the next steps to get started?',
    'How quickly can we be live if we sign the agreement next week?',
    'I need a proposal for 200 users with annual billing.',
    'Legal has reviewed the MSA, can you send the final version for signature?',
    'We are replacing our current tool and want to start a pilot immediately.',
    'Can we get on a call tomorrow to finalise pricing?',
    'What discount can you offer if we commit to a three year contract?',
    'Our CFO signed off on the spend, please invoice us.',
    'I would like to book a demo for our leadership team as soon as possible.',
    'We are comparing your final offer against one other vendor and will decide Monday.',
    'Please add 30 more seats to our order.',
    'Can you hold the quoted price until we sign on Thursday?',
    'We need a purchase order number format from you to raise the PO.',
    'Let us set up the kickoff, the deal is approved on our side.',
    'Please send a quote in euros including onboarding services.',
    'What would it cost to roll this out to all 12 offices?',
    'We are ready to buy, can someone call me today?',
    'Our current contract ends next month so we need your paperwork now.',
    'I want to start the paid subscription, where do I enter our card?',
    'Could you share the enterprise pricing sheet and a sample contract?',
    'Our team loved the trial and we want to roll out to the rest of the company.',
    'I have the budget and the sign-off, let us talk numbers.',
    'Book me in for a pricing call, we are keen to close this quickly.',
    'Need a formal quote for our finance team by tomorrow please.',
    'What are the payment terms if we sign an annual agreement?',
    'We are switching from our competitor and want to migrate this month.',
  ],
  medium: [
    'I came across your product and would like to learn more about how it works.',
    'We are evaluating a few options for next quarter, can you share some information?',
    'Do you integrate with our data warehouse? We might be interested.',
    'Could you send a case study from a company in our industry?',
    'We are researching tools for our sales team and your name came up.',
    'Is there a webinar or recorded demo I could watch?',
    'What does onboarding usually look like for a team of our size?',
    'I am putting together a shortlist of vendors for a project later this year.',
    'Can you tell me more about the features in the professional tier?',
    'We might need something like this once our new team is hired.',
    'Do you have customers in healthcare? I would like to understand compliance.',
    'My manager asked me to look into tools like yours.',
    'How does your product compare to the one we use today?',
    'Is there a free trial so we can explore it?',
    'Could you share documentation on the API and integrations?',
    'We are early in our search but your approach looks promising.',
    'I would be open to a short intro call next month.',
    'Please send me a brochure or overview deck.',
    'We are thinking about improving our reporting and wondered if you can help.',
    'What kind of results have similar companies seen?',
    'Could you explain how your pricing is structured in general?',
    'We will have budget discussions in the autumn, happy to chat before then.',
    'Interested in hearing how other teams use this for forecasting.',
    'I downloaded your guide and have a couple of questions.',
    'Does the product support single sign-on and role based access?',
    'We are exploring alternatives as our current setup is getting expensive.',
    'Could someone walk me through the main use cases?',
    'I saw your talk at the conference and wanted to follow up.',
    'Do you offer a plan for small teams? We are growing.',
    'Send me some information and I will share it with my team.',
    'We are gathering requirements and your tool could be a fit.',
    'Is implementation something you help with or do we need a partner?',
  ],
  low: [
    'Thanks for the email, not a priority for us right now.',
    'Maybe next year, we just signed with another vendor.',
    'Please check back in a few quarters.',
    'I am just browsing for now, no plans to buy.',
    'We do not have budget for this at the moment.',
    'Interesting newsletter, thanks for sharing.',
    'I am a student writing a paper about sales tools.',
    'Not the right time for us, we are in a hiring freeze.',
    'Thanks, I will keep it in mind if anything changes.',
    'We are happy with our current solution.',
    'Feel free to reach out again sometime next year.',
    'I signed up by accident to be honest.',
    'We are a two person team and this is more than we need.',
    'Let us reconnect after our reorganisation settles down.',
    'Our priorities changed and this project is on hold.',
    'I only wanted the free template, thanks.',
    'Could you remove me from the sequence but keep me on the newsletter?',
    'I am not the decision maker and I do not know who is.',
    'We looked at this last year and decided against it.',
    'Probably not for us but thanks for the follow up.',
    'Nice article, just curious about the topic.',
    'We will not be evaluating new tools until 2028.',
    'I am collecting ideas, there is no project behind it.',
    'Sorry, we have no need for this at the moment.',
    'Circle back in a year or so.',
    'Thanks for the info, I will pass it along but no promises.',
    'Our contract with the current provider runs for three more years.',
    'I was only comparing prices out of curiosity.',
    'This is a side project, we have no budget at all.',
    'Appreciate the follow up but we are all set.',
  ],
  not_sales: [
    'I cannot log in to my account, the password reset email never arrives.',
    'Our invoice for last month shows the wrong VAT number, please correct it.',
    'The export to CSV has been failing since yesterday with an error.',
    'I am applying for the account executive role advertised on your site.',
    'I am out of the office until Monday with limited access to email.',
    'Please unsubscribe me from all emails.',
    'We are a marketing agency and can help you generate more leads.',
    'Can you update the billing address on our existing subscription?',
    'Your API returns a 500 error when we send more than 100 records.',
    'I would like to cancel my subscription at the end of the term.',
    'Hello, I am a journalist writing a story about your company.',
    'Please find attached our invoice for the consulting work.',
    'The dashboard is loading very slowly for our users today.',
    'Congratulations on the funding round!',
    'We are offering SEO services at a special rate this month.',
    'Automatic reply: I am on parental leave and will respond when I return.',
    'Where can I download the receipt for my last payment?',
    'A bug in the mobile app crashes it when I open a contact.',
    'I would like to request deletion of my personal data under GDPR.',
    'Can you add a new admin user to our existing account?',
    'Please stop sending me messages, I never signed up.',
    'I am a recruiter with great candidates for your engineering team.',
    'Our payment failed because the card expired, how do I update it?',
    'This message was flagged as spam by our filter.',
    'Thank you for speaking at our meetup last week.',
    'Is there an outage? Nothing syncs since this morning.',
    'Your sales rep was very helpful, thanks again for the support ticket fix.',
    'Following up on my job application from last week.',
    'We would like to invite you to sponsor our conference booth.',
    'My two factor code is not working, please help me reset it.',
    'I was charged twice this month, please refund one payment.',
    'The integration with our calendar stopped syncing meetings.',
  ],
};

const GREETINGS = ['', 'Hi,', 'Hello team,', 'Hi there,', 'Good morning,', 'Hey,', 'Dear Sir or Madam,', 'Hi Sam,'];
const CONTEXT = [
  '',
  '',
  'I work at a mid-sized company in Berlin.',
  'I hope you are doing well.',
  'Thanks for getting back to me.',
  'Following up on the thread below.',
  'I am copying my colleague on this.',
  'Hope your week is going well.',
];
const SIGNOFFS = ['', 'Thanks', 'Best regards', 'Cheers', 'Kind regards, Alex', 'Thanks in advance', 'Sent from my phone'];

export interface LabelledText {
  text: string;
  label: 'high' | 'medium' | 'low' | 'not_sales';
}

/** `perLabel` examples per label, deterministic. */
export function buildTrainingSet(perLabel: number, seed = 42): LabelledText[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  const out: LabelledText[] = [];
  for (const label of Object.keys(SENTENCES) as LabelledText['label'][]) {
    const pool = SENTENCES[label];
    for (let i = 0; i < perLabel; i++) {
      // Every sentence appears on its own once, then in combinations.
      const core = i < pool.length ? [pool[i]] : [pick(pool), ...(rnd() < 0.5 ? [pick(pool)] : [])];
      const parts = [pick(GREETINGS), pick(CONTEXT), ...core, pick(SIGNOFFS)].filter((s) => s !== '');
      out.push({ text: parts.join(' '), label });
    }
  }
  return out;
}

if (process.argv[1]?.endsWith('training-set.ts')) {
  const set = buildTrainingSet(150);
  writeFileSync(dataPath('intent', 'train.jsonl'), `${set.map((x) => JSON.stringify(x)).join('\n')}\n`);
  process.stdout.write(`wrote ${set.length} examples\n`);
}
