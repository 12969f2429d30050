/**
 * The words of realistic inbound mail (inbound.ts composes them): what senders write per intent in
 * English, German, French and Spanish, and what surrounds it in a real mailbox — the vendor's
 * outbound mail a reply quotes, signatures, legal disclaimers, out-of-office notices, newsletters
 * that get forwarded. Written apart from the classifier's training sentences, in other words.
 */
import type { Intent } from './types.js';

export type Language = 'en' | 'de' | 'fr' | 'es';
export const LANGUAGES: readonly Language[] = ['en', 'de', 'fr', 'es'];

/** What a sender of each intent writes, in plain sentences (English). */
export const CORE_EN: Record<Intent, readonly string[]> = {
  high: [
    'Finance approved the spend, so please send the paperwork and we will sign this week.',
    'We would like to buy 40 licences. Can you send a quote with annual billing?',
    'Our pilot went well and we want to go ahead with the full rollout. What is the next step to sign?',
    'Please send the final contract, our legal team is waiting for it.',
    'We need a price for 120 users by Thursday, the purchase is approved.',
    'Can you issue an invoice for the enterprise plan? We are ready to pay.',
    'We chose your offer. Please send the order form and the DPA for signature.',
    'Our current tool expires at the end of the month, we need to sign with you before then.',
  ],
  medium: [
    'We are looking at tools like yours for next year. Could you tell me how the reporting works?',
    'Is there a trial? I would like to try it with my team before we decide anything.',
    'Could you send some material about your integrations? We are comparing a few vendors.',
    'I am interested in how your product handles forecasting. Do you have a short video?',
    'We are considering a change of tool in the second half of the year, what does a typical rollout involve?',
    'Can you explain the difference between your plans? We are still gathering options.',
    'A partner mentioned you. Would a short intro call next month make sense?',
    'Do you support our CRM? We are researching options for the team.',
  ],
  low: [
    'Thank you, but we have no budget for this at the moment.',
    'We are happy with our current provider, so not for now.',
    'Please get back to me next year, nothing is planned before then.',
    'Interesting, but we are a very small team and do not need this.',
    'Our project was cancelled, so we will not go further for now.',
    'I only wanted to read the report, we are not looking for a tool.',
    'Not relevant for us right now, maybe later.',
    'We decided to postpone any new software until after the merger.',
  ],
  not_sales: [
    'I cannot reset my password, the reset email never arrives.',
    'Our last invoice was charged twice, please refund the second payment.',
    'I would like to apply for the account manager position, my CV is attached.',
    'Please unsubscribe me from all your emails.',
    'The sync with our calendar has stopped working since yesterday.',
    'We are an agency offering lead generation services, are you interested in a call?',
    'Can you update the billing address on our account?',
    'The dashboard shows an error when I export the report.',
  ],
};

/** The same intents as native speakers write them. */
export const CORE_FOREIGN: Record<Exclude<Language, 'en'>, Record<Intent, readonly string[]>> = {
  de: {
    high: [
      'Wir möchten 30 Lizenzen kaufen. Können Sie uns ein Angebot schicken?',
      'Das Budget ist freigegeben, bitte senden Sie uns den Vertrag zur Unterschrift.',
      'Wir haben uns für Ihr Produkt entschieden und möchten diesen Monat bestellen.',
      'Bitte schicken Sie mir ein Angebot für 80 Nutzer, wir wollen schnell starten.',
    ],
    medium: [
      'Wir prüfen gerade verschiedene Anbieter. Können Sie mir mehr Informationen schicken?',
      'Gibt es eine Testversion? Wir möchten das Produkt erst ausprobieren.',
      'Ich interessiere mich für Ihre Lösung und hätte ein paar Fragen zu den Funktionen.',
      'Wie funktioniert die Integration mit unserem CRM? Wir vergleichen mehrere Tools.',
    ],
    low: [
      'Danke, aber wir haben derzeit kein Budget dafür.',
      'Wir sind mit unserer aktuellen Lösung zufrieden, im Moment kein Bedarf.',
      'Melden Sie sich bitte nächstes Jahr wieder.',
      'Aktuell kein Interesse, vielleicht später.',
    ],
    not_sales: [
      'Ich kann mich nicht anmelden, das Passwort wird nicht akzeptiert.',
      'Unsere letzte Rechnung ist falsch, bitte korrigieren Sie die Adresse.',
      'Bitte melden Sie mich von Ihrem Newsletter ab.',
      'Anbei meine Bewerbung für die ausgeschriebene Stelle im Vertrieb.',
    ],
  },
  fr: {
    high: [
      'Nous souhaitons acheter 25 licences, pouvez-vous nous envoyer un devis ?',
      'Le budget est validé, merci de nous envoyer le contrat à signer.',
      'Nous avons choisi votre solution et voulons commander ce mois-ci.',
      'Pouvez-vous nous faire une offre pour 60 utilisateurs ? Nous voulons signer rapidement.',
    ],
    medium: [
      'Nous étudions plusieurs solutions, pourriez-vous m’envoyer plus d’informations ?',
      'Existe-t-il une version d’essai ? Nous aimerions tester avant de décider.',
      'Je suis intéressé par votre produit et j’ai quelques questions sur les fonctionnalités.',
      'Comment fonctionne l’intégration avec notre CRM ? Nous comparons plusieurs outils.',
    ],
    low: [
      'Merci, mais nous n’avons pas de budget pour le moment.',
      'Nous sommes satisfaits de notre solution actuelle, pas de besoin pour l’instant.',
      'Recontactez-moi l’année prochaine s’il vous plaît.',
      'Pas intéressé pour le moment, peut-être plus tard.',
    ],
    not_sales: [
      'Je n’arrive pas à me connecter, mon mot de passe ne fonctionne plus.',
      'Notre dernière facture contient une erreur, merci de la corriger.',
      'Merci de me désinscrire de votre liste de diffusion.',
      'Veuillez trouver ci-joint ma candidature pour le poste de commercial.',
    ],
  },
  es: {
    high: [
      'Queremos comprar 50 licencias, ¿nos puede enviar una cotización?',
      'El presupuesto está aprobado, por favor envíennos el contrato para firmar.',
      'Hemos elegido su solución y queremos hacer el pedido este mes.',
      'Necesitamos una oferta para 70 usuarios, queremos firmar cuanto antes.',
    ],
    medium: [
      'Estamos evaluando varias opciones, ¿me podría enviar más información?',
      '¿Tienen una versión de prueba? Nos gustaría probarla antes de decidir.',
      'Estoy interesado en su producto y tengo algunas preguntas sobre las funciones.',
      '¿Cómo funciona la integración con nuestro CRM? Estamos comparando herramientas.',
    ],
    low: [
      'Gracias, pero ahora mismo no tenemos presupuesto para esto.',
      'Estamos contentos con nuestra solución actual, por ahora no lo necesitamos.',
      'Por favor, vuelva a contactarme el próximo año.',
      'De momento no nos interesa, quizás más adelante.',
    ],
    not_sales: [
      'No puedo iniciar sesión, la contraseña no funciona.',
      'La última factura tiene un error, por favor corríjanla.',
      'Por favor, denme de baja de su lista de correo.',
      'Adjunto mi candidatura para el puesto de ventas.',
    ],
  },
};

export const GREETINGS: Record<Language, readonly string[]> = {
  en: ['Hi', 'Hello', 'Hi there', 'Dear team', 'Good morning', 'Hey'],
  de: ['Hallo', 'Guten Tag', 'Sehr geehrte Damen und Herren', 'Liebes Team'],
  fr: ['Bonjour', 'Madame, Monsieur', 'Bonjour à tous'],
  es: ['Hola', 'Buenos días', 'Estimados señores'],
};

export const SIGNOFFS: Record<Language, readonly string[]> = {
  en: ['Best regards', 'Kind regards', 'Thanks', 'Cheers', 'Many thanks', 'Best', 'Thank you'],
  de: ['Mit freundlichen Grüßen', 'Viele Grüße', 'Beste Grüße', 'Danke und Gruß'],
  fr: ['Cordialement', 'Bien cordialement', 'Merci d’avance', 'Bien à vous'],
  es: ['Saludos', 'Un saludo', 'Atentamente', 'Muchas gracias'],
};

/** Filler a bilingual sender drops into an English mail. */
export const FILLERS: Record<Exclude<Language, 'en'>, readonly string[]> = {
  de: ['Vielen Dank im Voraus.', 'Ich hoffe, es geht Ihnen gut.', 'Schönes Wochenende!'],
  fr: ['Merci beaucoup.', 'J’espère que vous allez bien.', 'Bonne journée !'],
  es: ['Muchas gracias de antemano.', 'Espero que estén bien.', '¡Buen fin de semana!'],
};

/** The vendor's outbound mail a reply quotes: sales words that are not the sender's. */
export const REP_OUTBOUND: readonly string[] = [
  'I wanted to follow up on my last email. Would you be open to a 20 minute demo next week? Our pricing starts at $40 per seat and I can send a quote any time.',
  'Thanks for downloading our guide! Teams like yours use the platform to forecast revenue. Can I book a call to walk you through pricing and a free trial?',
  'Just checking in: are you still evaluating tools this quarter? I can put together a proposal and a contract draft if the timing works.',
  'We are running a special offer this month: 20% off annual plans for new customers who sign before the 30th. Reply to get a quote.',
  'Following our call, here is the link to book a demo. Happy to answer any questions about licences, onboarding and billing.',
];

/** A vendor's newsletter or announcement someone forwards. */
export const NEWSLETTERS: readonly string[] = [
  'Product update: new dashboards, faster exports and a webinar next Tuesday. Register now and get early access to our enterprise features. Unsubscribe | Privacy policy',
  'Our spring release is here! Discover AI forecasting, new integrations and a limited offer on annual plans. Book your demo today.',
  'Join 5,000 revenue leaders at our summit. Early-bird tickets are 30% off until Friday.',
];

export const SIGNATURE_TITLES: readonly string[] = [
  'Head of Procurement',
  'VP Sales',
  'Operations Manager',
  'IT Director',
  'Marketing Lead',
  'Finance Manager',
  'Geschäftsführer',
  'Directeur commercial',
  'Responsable de compras',
];

export const SIGNATURE_TAILS: readonly string[] = [
  'Sent from my iPhone',
  'Von meinem iPhone gesendet',
  'Envoyé de mon iPad',
  'Enviado desde mi móvil',
  'Please consider the environment before printing this email.',
  'LinkedIn | Twitter | www.example-company.com',
];

export const DISCLAIMERS: readonly string[] = [
  'CONFIDENTIALITY NOTICE: This email and any attachments are confidential and intended solely for the addressee. If you are not the intended recipient, please notify the sender immediately and delete this message. Any unauthorised use, disclosure or copying is prohibited.',
  'This message may contain privileged information. If you received it in error, please contact the sender and destroy all copies. Opinions expressed are those of the author and not of the company.',
  'Diese E-Mail enthält vertrauliche Informationen und ist ausschließlich für den Empfänger bestimmt. Wenn Sie nicht der richtige Adressat sind, informieren Sie bitte sofort den Absender und löschen Sie diese E-Mail.',
  'Ce message et toutes les pièces jointes sont confidentiels et établis à l’intention exclusive de ses destinataires. Si vous avez reçu ce message par erreur, merci de le détruire et d’en avertir l’expéditeur.',
  'Este mensaje es confidencial y está dirigido exclusivamente a su destinatario. Si lo ha recibido por error, notifíquelo al remitente y elimínelo.',
];

/** Out-of-office notices: subject and body, `{date}` and `{name}` filled in. */
export const AUTO_REPLIES: Record<Language, readonly { subject: string; body: string }[]> = {
  en: [
    {
      subject: 'Automatic reply: {subject}',
      body: 'Thank you for your email. I am out of the office until {date} with limited access to email. For urgent matters please contact {name}.',
    },
    {
      subject: 'Out of Office: {subject}',
      body: 'I am currently away on annual leave and will return on {date}. Your message will not be forwarded.',
    },
    {
      subject: 'Auto-Reply: {subject}',
      body: 'Hi, I am travelling this week and will respond when I am back on {date}. If it is about an order or a quote, please write to {name}.',
    },
  ],
  de: [
    {
      subject: 'Abwesenheitsnotiz: {subject}',
      body: 'Vielen Dank für Ihre Nachricht. Ich bin bis zum {date} nicht im Büro und habe keinen Zugriff auf meine E-Mails. In dringenden Fällen wenden Sie sich bitte an {name}.',
    },
    {
      subject: 'Automatische Antwort: {subject}',
      body: 'Ich bin derzeit abwesend und ab dem {date} wieder erreichbar.',
    },
  ],
  fr: [
    {
      subject: 'Réponse automatique : {subject}',
      body: 'Merci pour votre message. Je suis absent du bureau jusqu’au {date}. Pour toute urgence, merci de contacter {name}.',
    },
    {
      subject: 'Absence du bureau : {subject}',
      body: 'Je suis actuellement en congés et serai de retour le {date}.',
    },
  ],
  es: [
    {
      subject: 'Respuesta automática: {subject}',
      body: 'Gracias por su mensaje. Estoy fuera de la oficina hasta el {date}. Para asuntos urgentes, contacte con {name}.',
    },
    {
      subject: 'Fuera de la oficina: {subject}',
      body: 'Estoy de vacaciones y volveré el {date}. Su correo no será reenviado.',
    },
  ],
};

/** The subject a vendor's outbound mail had, which a reply or auto-reply repeats. */
export const OUTBOUND_SUBJECTS: readonly string[] = [
  'Quick question about your pricing',
  'Demo next week?',
  'Your proposal from our team',
  'Following up: quote for your team',
  '20% off annual plans',
];

/** Short notes above a forwarded mail that carries the intent itself. */
export const FORWARD_NOTES: readonly string[] = [
  'FYI, see below.',
  'See below from my colleague.',
  'Siehe unten.',
  'Voir ci-dessous.',
  'Ver abajo.',
];
